"""Real Chromium: from the 360's data health to a fixed machine record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser import committed_sqlite, serve
from tests.web.seed import PASSWORD, Seeded, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """Its own database: this test changes a record."""
    url, ids = committed_sqlite(tmp_path_factory.mktemp("browser-fix"), seed)
    with serve(url) as base:
        yield base, ids


def test_owner_fixes_a_machine_the_data_health_names(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, ids = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + f"/accounts/{ids.acme_id}")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/accounts/{ids.acme_id}")
    fixes = page.locator("ul.fixes a[href$='/fix']")
    before = fixes.count()
    assert before > 0
    fixes.first.click()
    page.wait_for_url("**/fix")

    page.fill("#f-install_date", "2031-01-01")  # in the future: refused, what was typed kept
    page.fill("#f-serial", "SN-FIXED-1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("message")).to_contain_text("is in the future")
    expect(page.locator("#f-serial")).to_have_value("SN-FIXED-1")

    page.fill("#f-install_date", "2015-03-01")
    page.fill("#f-model", "PX-100")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/assets/*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("PX-100")
    expect(page.get_by_role("heading", level=1)).to_contain_text("SN-FIXED-1")
    page.goto(base + f"/accounts/{ids.acme_id}")
    expect(page.locator("ul.fixes a[href$='/fix']")).not_to_have_count(before)
