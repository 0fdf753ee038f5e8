"""Real Chromium through Playwright against a real server: login, accounts, the 360, CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, committed_sqlite, serve
from tests.web.seed import ACME_ASSETS, ACME_COMPETITOR, ACME_OWN, PASSWORD, Seeded, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """A migrated SQLite file with the seed committed, served by uvicorn."""
    url, ids = committed_sqlite(tmp_path_factory.mktemp("browser"), seed)
    with serve(url) as base:
        yield base, ids


def _log_in(page, base: str, username: str, start: str = "/accounts") -> None:  # type: ignore[no-untyped-def]
    page.goto(base + start)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{start}")


def test_owner_logs_in_filters_and_reads_the_360(browser, site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, ids = site
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(base + "/accounts")
    assert page.url.startswith(base + "/login")
    page.fill("#username", "olga")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts")
    errors.clear()  # the wrong password's 401 is logged as a failed resource; expected
    rows = page.locator("#account-results tbody tr")
    assert rows.count() == 2

    page.fill("#q", "borg")  # live filtering through HTMX, no page load
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Borg Packaging")
    expect(page).to_have_url(re.compile(r"q=borg"))
    page.fill("#q", "")
    expect(rows).to_have_count(2)
    page.select_option("#f-country", "DE")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Steel Works")

    page.click("text=Acme Steel Works")
    page.wait_for_url(f"**/accounts/{ids.acme_id}")
    kpi = page.get_by_test_id("kpi-assets").inner_text()
    assert str(ACME_ASSETS) in kpi and f"{ACME_OWN} own · {ACME_COMPETITOR} competitor" in kpi
    assert page.locator("#installed-base tbody tr").count() == ACME_ASSETS
    page.screenshot(path=str(tmp_path / "account-360.png"), full_page=True)
    assert not errors, errors


def test_technician_on_a_phone_sees_only_their_accounts(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, ids = site
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, base, "tom")
    names = page.locator("#account-results tbody td.primary a").all_inner_texts()
    assert sorted(names) == ["Acme Steel Works", "Borg Packaging", "Northwind Foods"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "Technician" in page.get_by_test_id("me").inner_text()
    page.goto(f"{base}/accounts/{ids.hidden_id}")
    assert page.locator("h1").inner_text() == "Not found"
    page.goto(f"{base}/accounts/{ids.borg_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_form_post_without_csrf_token_fails(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    context = browser.new_context()
    page = context.new_page()
    _log_in(page, base, "ada")
    status = page.evaluate(
        """async () => (await fetch('/logout', {method: 'POST', body: new URLSearchParams(),
            headers: {'Accept': 'text/html'}})).status"""
    )
    assert status == 403
    page.reload()
    assert page.get_by_test_id("me").is_visible()  # still logged in
    page.click("text=Log out")
    page.wait_for_url("**/login")
    context.close()
