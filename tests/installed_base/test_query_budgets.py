"""Query budgets of the installed base's lists: a page sends as many SQL statements for 50 rows
as for 5 (no statement per account, owner, machine, site, contact or technician).

Each test reads a list once with a few rows and once after adding many more rows of the kind
that could cost a statement each (accounts with owners of their own, machines at sites of their
own, work orders by technicians of their own), and holds both reads to the same count and under
a budget counted by hand from what the page needs (see the comment at each budget).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset
from tests import builders as b
from tests.query_budget import QueryCounter, assert_budget, count_queries
from tests.web.conftest import log_in
from tests.web.seed import Seeded, seed

# Every request: the signed-in user (1); a page adds nothing more for the layout.
LOGIN = 1
# /accounts: the page's count and rows, their owners (3), the user's saved filters of the list
# (1), the four filters' values (4).
ACCOUNTS_PAGE = LOGIN + 3 + 1 + 4
# The same list as an HTMX fragment: no filter values.
ACCOUNTS_FRAGMENT = LOGIN + 3 + 1
# /api/v1/accounts: count, rows, owners.
ACCOUNTS_API = LOGIN + 3
# /api/v1/assets and /api/v1/service-events: count and rows.
ASSETS_API = LOGIN + 2
EVENTS_API = LOGIN + 2
# The account 360 (API): the account, contacts, machines, sites, work orders, the users they
# name, purchases, competitors (8); a dealer and exchange rates only when there are any (none).
ACCOUNT_360_API = LOGIN + 8
# The account page: the 360, and the owners one may hand it to (the admin may).
ACCOUNT_PAGE = ACCOUNT_360_API + 1
# A machine's page: the machine, its work orders (count, rows) and their technicians, the
# account, its sites, the machines of its line (count, rows).
ASSET_PAGE = LOGIN + 1 + 3 + 1 + 1 + 2


@pytest.fixture
def seeded(session: Session) -> Seeded:
    return seed(session)


def _same_cost(
    client: TestClient, engine: Engine, url: str, grow: Callable[[], None], budget: int
) -> None:
    """The request costs the same before and after ``grow`` adds rows, within ``budget``."""
    with count_queries(engine) as few:
        first = client.get(url)
    assert first.status_code == 200, first.text
    grow()
    with count_queries(engine) as many:
        second = client.get(url)
    assert second.status_code == 200, second.text
    assert second.content != first.content  # the added rows are on the page
    _hold(few, many, budget)


def _hold(few: QueryCounter, many: QueryCounter, budget: int) -> None:
    assert_budget(few, budget)
    assert_budget(many, budget)
    assert many.count == few.count, many.report()


def _accounts_with_owners(session: Session, n: int) -> None:
    for _ in range(n):
        owner = b.user(session)
        b.account(session, owner_id=owner.id, industry=f"industry {owner.id}")
    session.flush()


def test_the_accounts_page_costs_the_same_for_5_or_50_accounts(
    client: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    _accounts_with_owners(session, 1)  # 5 accounts with the seeded four
    log_in(client, "ada")
    _same_cost(
        client, engine, "/accounts", lambda: _accounts_with_owners(session, 45), ACCOUNTS_PAGE
    )


def test_the_accounts_fragment_and_api_cost_the_same_for_5_or_50_accounts(
    client: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    _accounts_with_owners(session, 1)
    log_in(client, "ada")
    headers = {"HX-Request": "true", "HX-Target": "account-results"}
    with count_queries(engine) as few_fragment:
        assert client.get("/accounts", headers=headers).status_code == 200
    with count_queries(engine) as few_api:
        assert client.get("/api/v1/accounts").json()["total"] >= 5
    _accounts_with_owners(session, 45)
    with count_queries(engine) as many_fragment:
        assert client.get("/accounts", headers=headers).status_code == 200
    with count_queries(engine) as many_api:
        answer = client.get("/api/v1/accounts").json()
    assert len(answer["items"]) == 50
    assert len({a["owner"]["id"] for a in answer["items"] if a["owner"]}) >= 46
    _hold(few_fragment, many_fragment, ACCOUNTS_FRAGMENT)
    _hold(few_api, many_api, ACCOUNTS_API)


def _machines(session: Session, account: Account, n: int, with_events: bool = True) -> None:
    """Machines at sites of their own, each with a work order by a technician of its own."""
    for _ in range(n):
        site = b.site(session, account)
        asset = b.asset(session, account, site_id=site.id)
        if with_events:
            technician = b.user(session, role="technician")
            day = date.today() - timedelta(days=30)
            b.service_event(session, asset, technician_id=technician.id, day=day)
    session.flush()


def test_the_assets_and_work_orders_api_cost_the_same_for_5_or_50_rows(
    client: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    account = session.get(Account, seeded.borg_id)
    assert account is not None
    _machines(session, account, 5)
    log_in(client, "ada")
    url = f"/api/v1/assets?account_id={account.id}"
    _same_cost(client, engine, url, lambda: _machines(session, account, 45), ASSETS_API)
    url = f"/api/v1/service-events?account_id={account.id}"
    _same_cost(client, engine, url, lambda: _machines(session, account, 45), EVENTS_API)


def test_the_account_360_costs_the_same_for_5_or_50_machines(
    client: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    account = b.account(session, owner_id=seeded.owner_id)
    _machines(session, account, 5)
    for _ in range(3):
        b.contact(session, account)
    log_in(client, "ada")

    def grow() -> None:
        _machines(session, account, 45)
        for _ in range(20):
            b.contact(session, account)

    _same_cost(client, engine, f"/api/v1/accounts/{account.id}", grow, ACCOUNT_360_API)
    _same_cost(client, engine, f"/accounts/{account.id}", grow, ACCOUNT_PAGE)


def test_a_machines_page_costs_the_same_for_5_or_50_work_orders(
    client: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    account = b.account(session, owner_id=seeded.owner_id)
    line = b.asset(session, account)

    def work_orders(n: int) -> None:
        for i in range(n):
            technician = b.user(session, role="technician")
            b.service_event(
                session, line, technician_id=technician.id, day=date(2026, 1, 1 + i % 28)
            )
            b.asset(session, account, parent_id=line.id, site_id=b.site(session, account).id)
        session.flush()

    work_orders(5)
    log_in(client, "ada")
    _same_cost(client, engine, f"/assets/{line.id}", lambda: work_orders(45), ASSET_PAGE)
    assert session.get(Asset, line.id) is not None
