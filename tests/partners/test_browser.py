"""Real Chromium against a real server: a partner's user logs in, sees only the activities
assigned to its partner (nothing else of the deal), and ticks one done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from tests.browser import committed_sqlite, serve
from tests.partners import world as w

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "partner-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two partners with an activity each on one deal; the first partner's user can log in."""

    def fill(session: Session) -> None:
        owner = b.user(session, role="account_owner")
        account = b.account(session, name="Acme Press", owner_id=owner.id)
        opp = w.opportunity(session, account, owner, title="Press line 7", value_cents=42_000_000)
        ours = w.partner(session, name="Trainers Ltd")
        theirs = w.partner(session, name="Other Ltd")
        w.assign(session, w.activity(session, opp, title="Train the operators"), ours)
        w.assign(session, w.activity(session, opp, title="Calibrate the sensors"), theirs)
        w.activity(session, opp, title="Negotiate the price", actor="sales", code="rfq")
        w.partner_user(session, ours, username="tina", password=PASSWORD)

    url, _ = committed_sqlite(tmp_path_factory.mktemp("partner-browser"), fill)
    with serve(url, "partner-browser") as base:
        yield base


def test_a_partner_sees_only_its_activities(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/partner")
    page.fill("#username", "tina")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/partner")

    rows = page.get_by_test_id("my-activities").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Train the operators")
    expect(rows.first).to_contain_text("Acme Press")
    expect(rows.first).to_contain_text("Press line 7")
    body = page.locator("main") if page.locator("main").count() else page.locator("body")
    expect(body).not_to_contain_text("Calibrate the sensors")
    expect(body).not_to_contain_text("Negotiate the price")
    expect(body).not_to_contain_text("420,000")
    rows.first.get_by_role("button", name="Done").click()
    page.wait_for_url("**/partner?done=ticked")
    expect(page.get_by_test_id("message")).to_contain_text("Done")
    expect(page.get_by_test_id("my-activities").locator("tbody tr").first).to_contain_text("done")
    assert errors == []
