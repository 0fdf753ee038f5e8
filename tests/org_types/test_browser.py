"""Real Chromium against a real server: a head of sales assigns a type to an industry on
/org/types and sees it, with the reason, on an account's 360."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from tests.browser import committed_sqlite, serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "types-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A migrated SQLite file with a head of sales and one paper mill, served by uvicorn."""

    def fill(session: Session) -> int:
        b.user(
            session,
            username="maria",
            full_name="Maria Schmidt",
            role="sales_manager",
            password=PASSWORD,
        )
        return int(b.account(session, name="Papierfabrik Nord", industry="Paper", country="DE").id)

    url, account_id = committed_sqlite(tmp_path_factory.mktemp("types-browser"), fill)
    with serve(url, "types-browser") as base:
        yield base, account_id


def test_assign_a_type_and_see_it_on_the_account(site: tuple[str, int], browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, account_id = site
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/org/types")
    page.fill("#username", "maria")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/org/types")
    expect(page.get_by_test_id("ownership-picture")).to_be_visible()

    form = page.get_by_test_id("assign-form")
    form.locator("#basis").select_option("industry")
    form.locator("#value").fill("Paper")
    form.locator("#org_type").select_option("3")
    form.locator("#valid_from").fill("2026-03-01")
    form.locator("#reason").fill("paper mills buy whole lines")
    form.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("done")).to_have_text("Type assigned.")
    row = page.get_by_test_id("assignments").locator("tbody tr").first
    expect(row).to_contain_text("industry 'Paper'")
    expect(row).to_contain_text("Type 3")
    expect(row).to_contain_text("Maria Schmidt")

    page.goto(f"{base}/accounts/{account_id}")
    panel = page.get_by_test_id("org-type-panel")
    expect(panel).to_contain_text("Served as type 3 — why")
    expect(page.get_by_test_id("org-type-why")).to_have_text(
        "type 3 since 2026-03-01: industry 'Paper', assigned by Maria Schmidt "
        "(paper mills buy whole lines)"
    )
    # an unknown industry is refused naming the field
    page.goto(base + "/org/types")
    form = page.get_by_test_id("assign-form")
    form.locator("#basis").select_option("industry")
    form.locator("#value").fill("Knitting")
    form.locator("#reason").fill("x")
    form.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("error")).to_contain_text("industry: unknown industry 'Knitting'")
    assert [e for e in errors if "status of 422" not in e] == []
