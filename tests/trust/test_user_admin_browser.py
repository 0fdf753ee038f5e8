"""Real Chromium: an admin deactivates a user from the Users page, and that user's open
session ends at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser import committed_sqlite, serve
from tests.web.seed import PASSWORD, Seeded, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """Its own database: this test changes a user."""
    url, ids = committed_sqlite(tmp_path_factory.mktemp("browser-users"), seed)
    with serve(url) as base:
        yield base, ids


def _log_in(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # each role lands on its home
    return context, page


def test_an_admin_deactivates_a_user_whose_session_ends(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    tom_context, tom = _log_in(browser, base, "tom")
    admin_context, ada = _log_in(browser, base, "ada")
    problems: list[str] = []
    ada.on("console", lambda message: problems.append(message.text))
    nav = ada.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Admin").click()  # the admin menu opens
    nav.get_by_role("link", name="Users").click()
    ada.wait_for_url("**/admin/users")
    ada.select_option("#f-role", "technician")
    ada.get_by_role("button", name="Filter").click()
    ada.get_by_role("link", name="tom", exact=True).click()
    ada.wait_for_url("**/admin/users/*")
    expect(ada.get_by_test_id("state")).to_contain_text("Active")
    ada.get_by_role("button", name="Deactivate").click()
    expect(ada.get_by_test_id("state")).to_contain_text("Deactivated")

    tom.goto(base + "/accounts")  # tom's open session is over
    tom.wait_for_url("**/login**")
    tom.fill("#username", "tom")
    tom.fill("#password", PASSWORD)
    tom.click("button[type=submit]")
    expect(tom.get_by_role("alert")).to_contain_text("Wrong username or password")

    ada.goto(base + "/admin/audit?entity=user&action=deactivate")
    expect(ada.get_by_test_id("audit")).to_contain_text("Active: yes → no")
    for path in ("/admin/users", "/account", "/account/password", "/admin/audit"):
        ada.goto(base + path)
    assert not [m for m in problems if "Content Security Policy" in m], problems
    tom_context.close()
    admin_context.close()
