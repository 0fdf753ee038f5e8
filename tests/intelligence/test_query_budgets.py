"""Query budgets of intelligence's lists: the statements a list sends do not grow with its rows.

Each list is asked for twice, with 5 and with 50 accounts that have a segment, an open lead and
a digital offering sold (a twin position), and must send the same few statements both times.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from servitize.intelligence.models import Lead, SegmentAssignment, TwinProficiency
from servitize.trust.service import issue_token
from tests import builders as b
from tests.intelligence.test_api import _wire
from tests.query_budget import QueryCounter, assert_budget, count_queries

AS_OF = date(2026, 11, 23)

# Per request: one statement for the bearer token and its user (its last use is noted at most
# once in a while; a warm-up request before the counting takes that), then the list's own.
API_BUDGETS = {
    "/api/v1/segments": 3,  # one page of segments, then the names of their accounts
    "/api/v1/segments/summary": 2,  # one grouped count
    "/api/v1/leads": 4,  # the total, one page of leads, then the names of their accounts
    # what was sold, the accounts' sites, the owners' proficiencies, the segment labels
    "/api/v1/twin-positions": 5,
    "/api/v1/twin-proficiency": 2,  # salespeople with their levels
}
# The pages show the same lists: the segment page its summary and rows (4); the twin page
# the positions and the salespeople (6); an account's page the account, its leads (3), its
# segment (2) and its twin positions (4): 11.
PAGE_BUDGETS = {"/segments": 4, "/twin": 6, "/accounts/{account_id}/leads": 11}


def _accounts(session: Session, n: int) -> int:
    """``n`` accounts, each with a segment, an open lead, a digital offering sold and an owner
    with a recorded proficiency; returns the first account's id."""
    monitoring = b.offering(
        session, family="condition_monitoring", shell="digital_service", list_price_cents=45_00
    )
    first = 0
    for i in range(n):
        owner = b.user(session, role="account_owner")
        session.add(TwinProficiency(user_id=owner.id, level=1 + i % 5))
        account = b.account(session, owner_id=owner.id)
        site = b.site(session, account)
        b.asset(session, account, site_id=site.id)
        b.order(session, account, monitoring, quantity=1)
        session.add(
            SegmentAssignment(
                account_id=account.id,
                as_of=AS_OF,
                label="Developing",
                readiness=0.5,
                digital_infrastructure=0.5,
                own_share=1.0,
                age_class="new",
                priority=float(i % 5),
                go_to_market="separate",
                reasons=["a reason"],
                scores={},
            )
        )
        session.add(
            Lead(
                account_id=account.id,
                offering_id=monitoring.id,
                offering_key="condition_monitoring",
                asset_ids=[],
                source="rule",
                rule="drifted_customer",
                score=float(i),
                estimated_value_cents=45_00,
                currency="EUR",
                story="A story.",
                evidence={"rule": "drifted_customer"},
                status="open",
                as_of=AS_OF,
                expires_on=AS_OF + timedelta(days=60),
            )
        )
        first = first or account.id
    session.flush()
    return first


def _measure(app_client, session: Session, auth: dict[str, str], path: str) -> QueryCounter:  # type: ignore[no-untyped-def]
    with count_queries(session) as counter:
        answer = app_client.get(path, headers=auth)
    assert answer.status_code == 200, answer.text
    return counter


@pytest.mark.parametrize("path", [*API_BUDGETS, *PAGE_BUDGETS])
def test_a_list_sends_the_same_few_statements_for_5_or_50_accounts(
    session: Session,
    app_client,  # type: ignore[no-untyped-def]
    path: str,
) -> None:
    _wire(app_client)
    admin = b.user(session, role="admin")
    auth = {"Authorization": f"Bearer {issue_token(session, admin)}"}
    first = _accounts(session, 5)
    url = path.format(account_id=first)
    assert app_client.get(url, headers=auth).status_code == 200  # warm-up: the token's use noted
    few = _measure(app_client, session, auth, url)
    _accounts(session, 45)
    many = _measure(app_client, session, auth, url)

    budget = API_BUDGETS.get(path) or PAGE_BUDGETS[path]
    assert_budget(few, budget)
    assert_budget(many, budget)
    assert many.count == few.count, many.report()


def test_the_lists_show_every_row_they_were_measured_with(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    """The budgets above hold while the lists really carry the rows: 50 of each."""
    _wire(app_client)
    admin = b.user(session, role="admin")
    auth = {"Authorization": f"Bearer {issue_token(session, admin)}"}
    _accounts(session, 50)
    leads = app_client.get("/api/v1/leads?limit=500", headers=auth).json()
    assert leads["total"] == 50 and len(leads["items"]) == 50
    assert len(app_client.get("/api/v1/segments?limit=500", headers=auth).json()) == 50
    summary = app_client.get("/api/v1/segments/summary", headers=auth).json()
    assert summary == [{"label": "Developing", "go_to_market": "separate", "accounts": 50}]
    assert len(app_client.get("/api/v1/twin-positions", headers=auth).json()) == 50
    assert len(app_client.get("/api/v1/twin-proficiency", headers=auth).json()) == 50
