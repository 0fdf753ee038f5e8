"""Real Chromium at a phone viewport: the technician lands on Today, reaches Leads, Report and
the Leaderboard from the navigation, reads evidence as sentences, sees the customer of a lead
without a visit of the week, and finds the leads they reported with their status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from servitize.field import service
from servitize.field.schemas import LeadReport
from servitize.trust.audit import Actor
from servitize.trust.models import User
from tests import builders as b
from tests.browser import PHONE, committed_sqlite, serve
from tests.field.seed import PASSWORD, Field, rule_lead, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Field]]:
    """The field seed; Nordwerk (north) with Tom's visit in three weeks and a rule lead; a 9,000
    EUR report of Tom's routed to the owner."""

    def fill(session: Session) -> Field:
        today = date.today()
        f = seed(session, today)
        olga = session.get(User, f.olga)
        tom = session.get(User, f.tom)
        assert olga is not None and tom is not None
        nord = b.account(session, name="Nordwerk GmbH", owner_id=olga.id, territory="north")
        b.visit(session, tom, nord, day=today + timedelta(days=21))  # outside Today's week
        rule_lead(session, nord.id, estimated_value_cents=300_00, story="Two gearbox repairs.")
        service.route_new_leads(session, Actor("test"))
        service.report_lead(
            session,
            tom,
            LeadReport(
                account_id=f.acme,
                seen="leak",
                observation="big leak",
                estimated_value=Decimal(9000),
            ),
        )
        return f

    url, f = committed_sqlite(tmp_path_factory.mktemp("phone-flow"), fill)
    with serve(url, "phone-flow") as base:
        yield base, f


def test_the_technicians_day_on_a_phone(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _f = site
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    page.fill("#username", "tom")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/today")  # lands on Today, not on Accounts
    nav = page.locator("nav.mainnav")
    for label in ("Today", "Leads", "Report", "Leaderboard"):
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], label
    # the lead without a visit this week names its customer; evidence reads as sentences
    loose = page.get_by_test_id("lead-card").filter(has_text="Two gearbox repairs.")
    expect(loose.get_by_test_id("lead-customer")).to_have_text("Nordwerk GmbH")
    card = page.get_by_test_id("lead-card").filter(has_text="Three spindle repairs")
    card.locator("summary", has_text="Evidence").click()
    expect(card.get_by_test_id("evidence")).to_contain_text("Repaired three times.")
    expect(card.get_by_test_id("evidence")).not_to_contain_text("{")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nav.get_by_role("link", name="Leads", exact=True).click()
    page.wait_for_url("**/inbox")
    page.get_by_test_id("reported-by-me").click()
    page.wait_for_url("**reported=true*")
    row = page.get_by_test_id("inbox-row").filter(has_text="9,000 EUR")
    expect(row).to_contain_text("account owner")
    expect(row).to_contain_text("reported")
    row.click()
    page.wait_for_url("**/inbox/*")
    expect(page.get_by_test_id("evidence")).to_contain_text("The technician noted: “big leak”.")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report").click()
    page.wait_for_url("**/report")
    nav.get_by_role("link", name="Leaderboard", exact=True).click()
    page.wait_for_url("**/leaderboard*")
    assert not errors, errors
    context.close()
