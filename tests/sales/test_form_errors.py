"""A refused action on the opportunity page tells why, with or without JavaScript.

With HTMX the work area comes back with the reason (200, so HTMX swaps it in); a plain form post
gets the whole page again at the error's 4xx status, with the reason and what was typed, and
nothing of the refused change is kept. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from servitize.sales.models import GateDecision, Opportunity, TeamMember
from servitize.trust.service import issue_token
from tests import builders as b

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REASON = "no budget before 2028"


def _opportunity(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    account = b.account(session, owner_id=owner.id, territory="north")
    opp = Opportunity(
        account_id=account.id,
        title="Press line rebuild",
        phase=2,
        status="open",
        owner_id=owner.id,
        currency="EUR",
        phase_entered_at=NOW,
    )
    session.add(opp)
    session.flush()
    return opp, {"Authorization": f"Bearer {issue_token(session, owner)}"}


def _decisions(session, opp_id):  # type: ignore[no-untyped-def]
    return session.scalars(
        sa.select(GateDecision).where(GateDecision.opportunity_id == opp_id)
    ).all()


def test_a_plain_post_of_an_unconfirmed_no_go_shows_the_page_with_the_reason(
    session,  # type: ignore[no-untyped-def]
    sales_client,
) -> None:
    opp, auth = _opportunity(session)
    answer = sales_client.post(
        f"/opportunities/{opp.id}/decide",
        headers=auth,
        data={"gate": "pursue", "decision": "no_go", "reason": REASON},
        follow_redirects=False,
    )
    assert answer.status_code == 409  # a conflict with the rule, not a redirect that hides it
    assert "<h1>Press line rebuild</h1>" in answer.text  # the whole page, not a fragment
    assert 'data-testid="message"' in answer.text
    assert "a no-go at the pursue gate closes the opportunity" in answer.text
    assert f'name="reason" rows="2" maxlength="2000" required>{REASON}</textarea>' in answer.text
    assert _decisions(session, opp.id) == []


def test_a_plain_post_with_a_bad_role_names_the_field_and_keeps_the_name(
    session,  # type: ignore[no-untyped-def]
    sales_client,
) -> None:
    opp, auth = _opportunity(session)
    answer = sales_client.post(
        f"/opportunities/{opp.id}/team",
        headers=auth,
        data={"role": "astronaut", "name": "Pia Lind"},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert "<h1>Press line rebuild</h1>" in answer.text
    assert "role: " in answer.text and 'value="Pia Lind"' in answer.text
    assert session.scalars(sa.select(TeamMember)).all() == []


def test_htmx_gets_the_work_area_with_the_reason_and_a_plain_success_goes_back(
    session,  # type: ignore[no-untyped-def]
    sales_client,
) -> None:
    opp, auth = _opportunity(session)
    url = f"/opportunities/{opp.id}/decide"
    refused = {"gate": "pursue", "decision": "no_go", "reason": REASON}
    fragment = sales_client.post(url, headers=auth | {"HX-Request": "true"}, data=refused)
    assert fragment.status_code == 200  # HTMX swaps only 2xx answers
    assert "<h1>" not in fragment.text and "confirm it" in fragment.text
    assert f">{REASON}</textarea>" in fragment.text

    done = sales_client.post(
        url,
        headers=auth,
        data={"gate": "pursue", "decision": "go", "reason": "the plant has the budget"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/opportunities/{opp.id}"
    assert [(d.gate, d.decision) for d in _decisions(session, opp.id)] == [("pursue", "go")]
