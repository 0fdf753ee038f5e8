"""Real Chromium against a real server: a customer asks for changes to a quote and for service;
the account owner answers the request for changes on the staff quote page (a new revision) and
makes a work order of the service request; the customer reads both answers in the portal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.portal.models import QuoteChangeRequest, ServiceRequest
from servitize.service_work.models import WorkOrder
from tests import builders as b
from tests.browser import committed_sqlite, serve
from tests.portal import helpers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "portal-answers-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    def fill(session: Session) -> dict[str, Any]:
        owner = b.user(session, username="olga", full_name="Olga Owner", password=PASSWORD)
        alpha = b.account(session, name="Alpha Press", owner_id=owner.id)
        quote = helpers.quote(session, alpha, owner)
        helpers.customer_of(
            session, alpha, username="eva", full_name="Eva Buyer", password=PASSWORD
        )
        return {"quote": quote.id, "account": alpha.id}

    url, world = committed_sqlite(tmp_path_factory.mktemp("portal-answers"), fill)
    with serve(url, "portal-answers") as base:
        yield world | {"base": base, "url": url}


def _login(browser, base: str, username: str) -> Any:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.goto(base + "/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_staff_answer_a_change_request_and_make_a_work_order(site, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, quote = site["base"], site["quote"]
    errors: list[str] = []
    customer, page = _login(browser, base, "eva")
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.wait_for_url(re.compile(r".*/portal$"))
    page.goto(f"{base}/portal/quotes/{quote}")
    page.get_by_label("What would you like changed?").fill("Could monitoring start in March?")
    page.get_by_role("button", name="Send to your contact").click()
    expect(page.get_by_test_id("my-changes")).to_contain_text("Waiting for an answer.")
    page.goto(f"{base}/portal/requests")
    page.get_by_label("What do you need?").fill("Oil leak under the press")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Open")

    staff, desk = _login(browser, base, "olga")
    desk.on("pageerror", lambda e: errors.append(str(e)))
    desk.goto(f"{base}/quotes/{quote}")
    changes = desk.get_by_test_id("change-requests")
    expect(changes).to_contain_text("Eva Buyer")
    expect(changes).to_contain_text("Could monitoring start in March?")
    changes.get_by_label("Answer to the customer").fill("Yes: revision 2 starts it in March.")
    changes.get_by_role("button", name="Revise the quote").click()
    desk.wait_for_url(re.compile(r".*/quotes/(\d+)$"))
    revision = int(desk.url.rsplit("/", 1)[1])
    assert revision != quote
    expect(desk.get_by_test_id("change-requests")).to_contain_text("Answered by Olga Owner")

    desk.goto(f"{base}/service-requests")
    requests = desk.get_by_test_id("staff-requests")
    expect(requests).to_contain_text("Oil leak under the press")
    requests.get_by_role("button", name="Make a work order").click()
    desk.wait_for_url(re.compile(r".*/service-requests$"))
    expect(desk.get_by_test_id("staff-requests")).to_contain_text("No requests.")
    desk.goto(f"{base}/service-requests?status=work_order")
    expect(desk.get_by_test_id("staff-requests")).to_contain_text("work order")
    staff.close()

    page.goto(f"{base}/portal/quotes/{quote}")
    expect(page.get_by_test_id("change-answer")).to_contain_text(
        "Yes: revision 2 starts it in March."
    )
    page.goto(f"{base}/portal/requests")
    expect(page.get_by_test_id("request-status")).to_contain_text(
        re.compile(r"work order \d+: New")
    )
    assert errors == []
    customer.close()

    engine = make_engine(site["url"])
    with Session(engine) as session:
        asked = session.scalar(select(QuoteChangeRequest))
        assert (asked.status.value, asked.revision_id) == ("revised", revision)
        request = session.scalar(select(ServiceRequest))
        work = session.scalar(
            select(WorkOrder).where(WorkOrder.request_ref == f"portal-request:{request.id}")
        )
        assert request.status.value == "work_order" and work.title == "Oil leak under the press"
    engine.dispose()
