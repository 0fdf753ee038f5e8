"""The statements of the two pages people open most, pinned exactly (issue 17): the lead inbox
and the account 360. A budget (``<=``) lets a page grow a statement unnoticed; at 20 users
each one costs about a twentieth of the page, so a change in these counts is a decision.

The requests go through the app's own request session (``app_client``), as a served page does.
"""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.trust.service import issue_token
from tests import builders as b
from tests.field.test_query_budget import _cost
from tests.query_budget import count_queries

# The token's user; the page's route ids with the total; the routes with their leads, accounts
# and the two people each names; the user's saved filters of the list.
INBOX = 4
# The token's user; the account; contacts; machines (with their last service); sites; work
# orders; the users they name; purchases; competitors. An account owner is offered no owners.
ACCOUNT_360 = 9


def test_the_inbox_sends_four_statements_for_a_technician_with_15_leads(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    assert _cost(session, engine, api, "technician", "/inbox").count == INBOX


def test_the_inbox_of_escalated_leads_sends_four_statements_for_a_manager(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    assert _cost(session, engine, api, "service_manager", "/inbox?stage=escalated").count == INBOX


def test_the_account_360_sends_nine_statements_for_its_owner(
    session: Session, engine, api: TestClient
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    for n in range(6):
        site = b.site(session, account)
        asset = b.asset(session, account, site_id=site.id)
        technician = b.user(session, role="technician")
        b.service_event(session, asset, technician_id=technician.id, day=date(2026, 1, 1 + n))
        b.contact(session, account)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}", "Accept": "text/html"}
    api.get(f"/accounts/{account.id}", headers=auth)  # the token's first use is noted once
    with count_queries(engine) as queries:
        page = api.get(f"/accounts/{account.id}", headers=auth)
    assert page.status_code == 200, page.text
    assert page.text.count('href="/assets/') >= 6
    assert queries.count == ACCOUNT_360, queries.report()
