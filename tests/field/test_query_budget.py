"""The field's lists cost a fixed number of SQL statements, however many rows they show.

Each list is asked twice: with a few rows, then with many more (every lead at an account of
its own owner, escalated to a manager of its own; every leaderboard line a technician of its
own), so that a look-up per row would show. Both answers must cost the same number of
statements, and no more than the list's budget.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute, RecognitionPoint, SignUpLine, SignUpSheet
from servitize.intelligence.models import Lead
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.query_budget import QueryCounter, assert_budget, count_queries

TODAY = datetime.now(UTC).date()  # the pages show the day of the request


def _rows(session: Session, technician: User, n: int) -> None:
    """``n`` accounts, each with its owner, a visit of the technician today, an open lead
    routed to the technician and escalated to a manager of its own, a proposed sign-up sheet,
    and points of a technician of its own this month."""
    for _ in range(n):
        owner = b.user(session, role="account_owner", territory="north")
        manager = b.user(session, role="service_manager", territory="north")
        colleague = b.user(session, role="technician", territory="north")
        account = b.account(session, owner_id=owner.id, territory="north")
        visit = b.visit(session, technician, account, day=TODAY)
        lead = Lead(
            account_id=account.id,
            offering_key="inspection",
            asset_ids=[],
            source="technician",
            rule="technician_report",
            score=0.7,
            estimated_value_cents=1_000_00,
            currency="EUR",
            story="Seen on site.",
            evidence={},
            as_of=TODAY,
            expires_on=date(2099, 1, 1),
        )
        session.add(lead)
        session.flush()
        session.add_all(
            [
                LeadRoute(
                    lead_id=lead.id,
                    account_id=account.id,
                    route="technician",
                    reason="next visit",
                    assigned_to_id=technician.id,
                    visit_id=visit.id,
                    value_cents=1_000_00,
                    currency="EUR",
                    stage="reported",
                    reported_by_id=technician.id,
                    escalated_at=datetime(2026, 1, 2, tzinfo=UTC),
                    escalated_to_id=manager.id,
                ),
                SignUpSheet(visit_id=visit.id, account_id=account.id, technician_id=technician.id),
                RecognitionPoint(
                    user_id=colleague.id,
                    kind="confirmed_lead",
                    ref=f"lead:{lead.id}",
                    points=5,
                    day=TODAY,
                    month=TODAY.strftime("%Y-%m"),
                    region="north",
                ),
            ]
        )
    session.flush()


def _cost(session: Session, engine, client: TestClient, role: str, url: str) -> QueryCounter:  # type: ignore[no-untyped-def]
    """Statements of one request with 15 rows, checked to be those with 3."""
    technician = b.user(session, role="technician", territory="north")
    reader = technician if role == "technician" else b.user(session, role=role, territory="north")
    auth = {"Authorization": f"Bearer {issue_token(session, reader)}"}
    client.get(url, headers=auth)  # the token's first use is written down once
    costs = []
    for n in (3, 12):
        _rows(session, technician, n)
        with count_queries(engine) as queries:
            r = client.get(url, headers=auth)
        assert r.status_code == 200, r.text
        costs.append(queries)
    few, many = costs
    assert few.count == many.count, f"{few.report()}\n---\n{many.report()}"
    return many


def test_the_inbox_page_and_api_cost_the_same_for_3_or_15_leads(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    # The user, the page's route ids with the total, the page's routes with their leads,
    # accounts and the two people each names; the page adds the user's saved filters.
    assert_budget(_cost(session, engine, api, "service_manager", "/inbox?stage=escalated"), 4)
    assert_budget(_cost(session, engine, api, "service_manager", "/api/v1/inbox"), 3)


def test_today_and_the_visits_cost_the_same_for_3_or_15_visits(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    # The user, the visits with accounts and sites, the machines per account, the open
    # routes with leads, the sheets of the visits, and (the page) the technician's badges.
    assert_budget(_cost(session, engine, api, "technician", "/today"), 6)
    assert_budget(_cost(session, engine, api, "technician", "/api/v1/visits"), 5)


def test_the_leaderboard_costs_the_same_for_3_or_15_technicians(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    # The user, the month's points, all points (badges), the ranked users, the contests,
    # the notes; the page adds the regions and the reader's badges.
    assert_budget(_cost(session, engine, api, "technician", "/api/v1/leaderboard"), 6)
    assert_budget(_cost(session, engine, api, "technician", "/leaderboard?region=north"), 8)


def test_the_account_360_field_fragment_costs_the_same_for_2_or_10_sheets(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner", territory="north")
    technician = b.user(session, role="technician", territory="north")
    account = b.account(session, owner_id=owner.id, territory="north")
    offering = b.offering(session, list_price_cents=90_00, currency="EUR")
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    url = f"/accounts/{account.id}/field"
    api.get(url, headers=auth)  # the token's first use is written down once
    costs = []
    for n in (2, 8):  # 10 sheets: the fragment's whole list
        for _ in range(n):
            visit = b.visit(session, technician, account, day=TODAY)
            sheet = SignUpSheet(
                visit_id=visit.id, account_id=account.id, technician_id=technician.id
            )
            session.add(sheet)
            session.flush()
            session.add(
                SignUpLine(
                    sheet_id=sheet.id,
                    offering_id=offering.id,
                    reason="due",
                    unit_price_cents=90_00,
                    currency="EUR",
                    ticked=True,
                )
            )
        session.flush()
        with count_queries(engine) as queries:
            r = api.get(url, headers=auth)
        assert r.status_code == 200, r.text
        costs.append(queries)
    few, many = costs
    assert few.count == many.count, f"{few.report()}\n---\n{many.report()}"
    # The user, the account, the leads (ids with the total; none here), the latest visits with
    # their technicians and sites, the sheets, their accounts' names, their lines: not two
    # statements per sheet as before.
    assert_budget(many, 7)


def test_the_visits_and_sheets_lists_cost_the_same_for_3_or_15_rows(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    # The user, the visits with accounts, technicians and sites, their count, the user's saved
    # filters, the technicians of the filter.
    assert_budget(_cost(session, engine, api, "service_manager", "/visits?sort=start"), 5)
    # The user, the sheets with names and line counts, their count, their accounts' names,
    # their lines, the saved filters, the technicians of the filter.
    assert_budget(_cost(session, engine, api, "service_manager", "/sheets?sort=-ticked"), 7)
    assert_budget(_cost(session, engine, api, "technician", "/visits.csv"), 3)
