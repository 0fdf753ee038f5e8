"""Real Chromium against a real server: create an opportunity, pass the pursue gate, see the blueprint change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from tests.browser import committed_sqlite, serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "sales-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite file with one owner and one account, served by uvicorn."""

    def fill(session: Session) -> None:
        owner = b.user(session, username="olga", full_name="Olga Owner", password=PASSWORD)
        b.account(session, name="Nordic Paper", owner_id=owner.id)

    url, _ = committed_sqlite(tmp_path_factory.mktemp("sales-browser"), fill)
    with serve(url, "sales-browser") as base:
        yield base


def _done(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'tr[data-activity="{code}"] button').click()
    page.locator(f'tr[data-activity="{code}"] .badge.done').wait_for()


def test_create_pass_the_pursue_gate_and_see_the_blueprint_change(
    site: str, tmp_path: Path, browser
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    shots = Path(os.environ.get("SERVITIZE_TEST_SHOTS", tmp_path))
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site + "/opportunities")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/opportunities")

    page.fill("#n-title", "Rebuild of paper machine 3")
    page.fill("#n-value", "480000")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/opportunities/*")
    expect(page.get_by_test_id("phase")).to_contain_text("Phase 1")
    blueprint = page.get_by_test_id("blueprint")
    expect(blueprint.locator("g.gate.pursue.pending")).to_have_count(1)
    page.screenshot(path=str(shots / "opportunity-phase1.png"), full_page=True)

    page.get_by_role("button", name="Advance to phase 2").click()
    expect(page.get_by_test_id("message")).to_contain_text("required activity not done")
    _done(page, "decision_structure")
    _done(page, "opportunity_review")
    expect(blueprint.locator("g.activity.done")).to_have_count(2)
    page.get_by_role("button", name="Advance to phase 2").click()
    expect(page.get_by_test_id("phase")).to_contain_text("Phase 2")

    pursue = page.locator('form[data-gate="pursue"]')
    pursue.locator("textarea").fill("Strategic mill; our layout is in the specification")
    pursue.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_test_id("ok")).to_contain_text("pursue: go recorded")
    expect(blueprint.locator("g.gate.pursue.go")).to_have_count(1)
    expect(page.locator("table").filter(has_text="Strategic mill")).to_have_count(1)

    for code in ("validation_meeting", "layout_codesign", "nominate_team"):
        _done(page, code)
    page.get_by_role("button", name="Advance to phase 3").click()
    expect(page.get_by_test_id("phase")).to_contain_text(
        "Phase 3 · Negotiation and value proposition"
    )
    current = blueprint.locator("g.activity.current")
    expect(current).to_have_count(10)  # the project template's phase-3 activities, all open
    expect(current.first).to_contain_text("Preliminary budget offer")
    page.screenshot(path=str(shots / "opportunity-phase3.png"), full_page=True)
    assert errors == []
