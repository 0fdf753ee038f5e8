"""The sales lists cost a fixed number of SQL statements, however many opportunities they show.

Each list is asked twice: with a few opportunities, then with many more (each of its own
account and owner, so that a look-up per row would show). Both answers must cost the same
number of statements, and no more than the list's budget.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from servitize.sales.models import Opportunity, Outcome, SalesActivity
from servitize.trust.service import issue_token
from tests import builders as b
from tests.query_budget import QueryCounter, assert_budget, count_queries

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _opportunities(session, manager, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` opportunities, each at an account of its own owner; every third won and delivered."""
    for i in range(n):
        owner = b.user(session, role="account_owner", territory=manager.territory)
        account = b.account(session, owner_id=owner.id, territory=manager.territory)
        won = i % 3 == 0
        opp = Opportunity(
            account_id=account.id,
            title=f"Line {account.id}",
            phase=4 if won else 2,
            status="won" if won else "open",
            owner_id=owner.id,
            value_cents=100_000_00,
            currency="EUR",
            phase_entered_at=NOW,
            created_at=NOW,
            commissioned_on=date(2026, 1, 5) if won else None,
            renewal_on=date(2027, 1, 5) if won else None,
        )
        session.add(opp)
        session.flush()
        session.add(
            SalesActivity(
                opportunity_id=opp.id,
                code="opportunity_review",
                phase=1,
                position=0,
                title="Opportunity review",
                actor="sales",
                layer="onstage",
                touchpoint=True,
                required=True,
                status="done",
                done_on=date(2026, 1, 2),
            )
        )
        if won:
            session.add(
                Outcome(opportunity_id=opp.id, result="won", reasons=["price"], recorded_by="x")
            )
    session.flush()


def _cost(session, engine, client, url: str) -> QueryCounter:  # type: ignore[no-untyped-def]
    """Statements of one request with 15 opportunities, checked to be those with 3."""
    manager = b.user(session, role="sales_manager", territory="north")
    auth = {"Authorization": f"Bearer {issue_token(session, manager)}"}
    client.get(url, headers=auth)  # the token's first use is written down once
    costs = []
    for n in (3, 12):
        _opportunities(session, manager, n)
        with count_queries(engine) as queries:
            r = client.get(url, headers=auth)
        assert r.status_code == 200, r.text
        costs.append(queries)
    few, many = costs
    assert few.count == many.count, f"{few.report()}\n---\n{many.report()}"
    return many


def test_the_pipeline_page_costs_the_same_for_3_or_15_opportunities(
    session, engine, sales_client
) -> None:  # type: ignore[no-untyped-def]
    # The user, the page of opportunities and its count, their accounts and owners (one
    # statement each, not two per opportunity as before), the forecast, retention, the
    # aggregated blueprint and the account picker.
    assert_budget(_cost(session, engine, sales_client, "/opportunities"), 14)


def test_the_opportunity_list_costs_the_same_for_3_or_15(session, engine, sales_client) -> None:  # type: ignore[no-untyped-def]
    # The user, the count, the page, its accounts' names, its owners' names.
    assert_budget(_cost(session, engine, sales_client, "/api/v1/opportunities"), 5)


def test_forecast_retention_outcomes_and_blueprint_cost_the_same_for_3_or_15(
    session, engine, sales_client
) -> None:  # type: ignore[no-untyped-def]
    budgets = {
        "/api/v1/opportunities/forecast": 3,  # user, opportunities, phase changes
        "/api/v1/opportunities/retention": 4,  # user, won ones, last touch-points, accounts
        "/api/v1/opportunities/outcomes": 3,  # user, outcomes with opportunities, accounts
        "/api/v1/opportunities/blueprint.svg": 4,  # user, opportunities, activities, gates
    }
    for url, budget in budgets.items():
        assert_budget(_cost(session, engine, sales_client, url), budget)
