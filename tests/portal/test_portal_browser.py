"""Real Chromium against a real server: a customer logs in, lands on the portal, sees only their
machines, disputes a downtime period on the operation report and accepts a quote."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.offers.models import Contract, Quote
from servitize.portal.models import DowntimeDispute
from tests import builders as b
from tests.browser import committed_sqlite, serve
from tests.portal import helpers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "portal-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two accounts of one owner, each with a contracted machine; the customer sees Alpha."""

    def fill(session: Session) -> dict[str, Any]:
        owner = b.user(session, username="olga", password=PASSWORD)
        alpha = b.account(session, name="Alpha Press", owner_id=owner.id)
        beta = b.account(session, name="Beta Mill", owner_id=owner.id)
        mine, theirs = helpers.contracted(session, alpha), helpers.contracted(session, beta)
        quote = helpers.quote(session, alpha, owner)
        helpers.customer_of(
            session, alpha, username="eva", full_name="Eva Buyer", password=PASSWORD
        )
        return {
            "contract": mine.contract.id,
            "mine": mine.asset.serial,
            "theirs": theirs.asset.serial,
            "quote": quote.id,
        }

    url, world = committed_sqlite(tmp_path_factory.mktemp("portal-browser"), fill)
    with serve(url, "portal-browser") as base:
        yield world | {"base": base, "url": url}


def test_a_customer_sees_their_machines_disputes_a_stop_and_accepts_a_quote(site, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site["base"] + "/")
    page.fill("#username", "eva")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal$"))
    machines = page.get_by_test_id("machines")
    expect(machines).to_contain_text(site["mine"])
    expect(machines).not_to_contain_text(site["theirs"])
    # a staff page is not there for a customer
    assert page.goto(site["base"] + "/accounts").status == 404  # type: ignore[union-attr]

    page.goto(f"{site['base']}/portal/contracts/{site['contract']}/report?period={helpers.MONTH}")
    page.get_by_test_id("dispute-1").locator("summary").click()
    form = page.get_by_test_id("dispute-1")
    form.locator("select[name=asked_state]").select_option("excluded")
    form.locator("textarea[name=reason]").fill("The public grid failed that morning.")
    form.get_by_role("button", name="Send dispute").click()
    expect(page.get_by_test_id("disputed")).to_have_text("open")

    page.goto(f"{site['base']}/portal/quotes/{site['quote']}")
    page.get_by_label("I accept this quote on behalf of my company").check()
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("accepted")).to_contain_text("Accepted by Eva Buyer")
    assert errors == []
    context.close()

    engine = make_engine(site["url"])
    with Session(engine) as session:
        dispute = session.scalar(select(DowntimeDispute))
        assert (dispute.asked_state, dispute.reason) == (
            "excluded",
            "The public grid failed that morning.",
        )
        assert session.get(Quote, site["quote"]).status.value == "accepted"
        assert (
            session.scalar(select(Contract).where(Contract.quote_id == site["quote"])) is not None
        )
    engine.dispose()
