"""Real Chromium: an owner edits an account (a refused field shown next to it, then saved) and
an opportunity (its value in euros for a customer who pays in another currency)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser import committed_sqlite, serve
from tests.web.seed import PASSWORD, Seeded, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """Its own database: this test changes records."""
    url, ids = committed_sqlite(tmp_path_factory.mktemp("browser-editing"), seed)
    with serve(url) as base:
        yield base, ids


def test_owner_edits_an_account_and_an_opportunity(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, ids = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + f"/accounts/{ids.acme_id}")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/accounts/{ids.acme_id}")

    page.get_by_test_id("edit-account").click()
    page.wait_for_url("**/edit")
    page.fill("#f-country", "XX")  # not an ISO code: refused next to the field
    page.fill("#f-territory", "south")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("error-country")).to_contain_text("is not an ISO 3166 code")
    expect(page.locator("#f-territory")).to_have_value("south")
    page.fill("#f-country", "at")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/accounts/{ids.acme_id}")
    expect(page.locator(".facts")).to_contain_text("South")
    expect(page.locator(".facts")).to_contain_text("AT")

    page.goto(base + f"/opportunities?account_id={ids.acme_id}")
    page.fill("#n-title", "Press retrofit")
    page.fill("#n-value", "17500")
    page.select_option("#n-currency", "USD")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    expect(page.get_by_test_id("value")).to_contain_text("17,500 USD")
    page.get_by_test_id("edit-opportunity").click()
    page.wait_for_url("**/edit")
    expect(page.get_by_test_id("currency")).to_have_value("USD")
    page.fill("#f-probability", "140")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("error-probability")).to_be_visible()
    page.fill("#f-probability", "35")
    page.select_option("#f-currency", "EUR")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    expect(page.get_by_test_id("value")).to_contain_text("17,500 EUR")
    expect(page.locator(".facts")).to_contain_text("35 %")


def test_checkboxes_sit_left_of_their_label_on_one_line(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/twin")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/twin")
    label = page.locator(".checklist label").first
    box = label.locator("input[type=checkbox]").bounding_box()
    whole = label.bounding_box()
    assert box is not None and whole is not None
    assert box["width"] < 30  # a small box, not a full-width field
    assert box["x"] - whole["x"] < 5  # at the left of its label
    assert whole["height"] < 2.5 * box["height"]  # box and words on one line
