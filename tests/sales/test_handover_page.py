"""The handover review and the survey link from the opportunity page (HTMX posts)."""

from __future__ import annotations

import re

from servitize.sales.models import Opportunity
from servitize.trust.service import issue_token
from tests import builders as b

CHECKLIST = [
    "requirements",
    "contract_conditions",
    "schedule",
    "budget",
    "resources",
    "kickoff_date",
]


def _opportunity(session, phase: int, status: str = "open"):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    opp = Opportunity(
        account_id=account.id,
        title="Rebuild PM3",
        phase=phase,
        status=status,
        owner_id=owner.id,
        value_cents=480_000_00,
        contract_value_cents=450_000_00,
    )
    session.add(opp)
    session.flush()
    return opp, {"Authorization": f"Bearer {issue_token(session, owner)}", "HX-Request": "true"}


def test_the_review_is_ticked_from_the_page_until_complete(session, sales_client) -> None:  # type: ignore[no-untyped-def]
    opp, auth = _opportunity(session, phase=3)
    url = f"/opportunities/{opp.id}/handover"
    page = sales_client.get(f"/opportunities/{opp.id}", headers=auth).text
    assert 'data-testid="handover-form"' in page and page.count('name="items"') == len(CHECKLIST)

    first = sales_client.post(
        url, headers=auth, data={"items": CHECKLIST[:2], "project_manager": "Pia"}
    )
    assert "handover: 4 item(s) left" in first.text
    assert first.text.count("checked disabled") == 2 and 'value="Pia"' in first.text
    done = sales_client.post(url, headers=auth, data={"items": CHECKLIST[2:]})
    assert "handover complete" in done.text and "complete</span>" in done.text
    detail = sales_client.get(f"/api/v1/opportunities/{opp.id}", headers=auth).json()
    assert detail["handover"]["checklist"] == dict.fromkeys(CHECKLIST, True)
    assert detail["handover"]["project_manager"] == "Pia"

    bad = sales_client.post(url, headers=auth, data={"items": ["coffee"]})
    assert "unknown checklist items: coffee" in bad.text


def test_no_review_before_phase_3(session, sales_client) -> None:  # type: ignore[no-untyped-def]
    opp, auth = _opportunity(session, phase=2)
    assert (
        'data-testid="handover-form"'
        not in sales_client.get(f"/opportunities/{opp.id}", headers=auth).text
    )
    refused = sales_client.post(
        f"/opportunities/{opp.id}/handover", headers=auth, data={"items": ["budget"]}
    )
    assert "comes in phase 3" in refused.text


def test_a_won_delivered_opportunity_gets_a_survey_link_the_customer_opens(
    session, sales_client
) -> None:  # type: ignore[no-untyped-def]
    opp, auth = _opportunity(session, phase=4, status="won")
    answer = sales_client.post(f"/opportunities/{opp.id}/survey", headers=auth).text
    link = re.search(r"survey link for the customer: \S*?(/survey/[\w.\-]+)", answer)
    assert link, answer
    path = link.group(1)
    survey = sales_client.get(path)  # no login: the signed link is the key
    assert survey.status_code == 200 and f'action="{path}"' in survey.text
    assert sales_client.get(path[:-3] + "xyz").status_code in (403, 404)  # a forged link is not
