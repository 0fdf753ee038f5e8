"""Real Chromium against a real server: a head of sales makes a model, scores it, records the
consensus and reads the indices, the role map and the loops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from tests.browser import committed_sqlite, serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "lab-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite file with a head of sales, served by uvicorn."""

    def fill(session: Session) -> None:
        b.user(session, username="hanna", role="sales_manager", password=PASSWORD)

    url, _ = committed_sqlite(tmp_path_factory.mktemp("lab-browser"), fill)
    with serve(url, "lab-browser") as base:
        yield base


def test_make_score_and_record_a_model(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/organisation/lab")
    page.fill("#username", "hanna")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/organisation/lab")

    page.fill("#name", "Three parts")
    page.fill("#variables", "A\nB\nC")
    page.get_by_role("button", name="Make the model").click()
    page.wait_for_url("**/organisation/lab/*")

    # A → B 3, A → C 1, B → C 2, C → A -1s (the 3×3 of test_rules.py)
    mine = page.get_by_test_id("my-matrix")
    for label, value in (("A on B", "3"), ("A on C", "1"), ("B on C", "2"), ("C on A", "-1s")):
        mine.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save my scoring").click()
    expect(page.get_by_test_id("message")).to_contain_text("your scoring is saved")

    # the consensus editor starts from the scoring (one scorer: the same cells)
    consensus = page.get_by_test_id("consensus-matrix")
    expect(consensus.get_by_label("C on A", exact=True)).to_have_value("-1s")
    page.get_by_role("button", name="Record as the next version").click()
    expect(page.get_by_test_id("message")).to_contain_text("version 1 recorded")

    # B: active 2, passive 3, product 6, quotient 0.67
    b_row = page.locator('tr[data-variable="B"] td.num')
    expect(b_row).to_have_text(["2", "3", "6", "0.67"])
    expect(page.locator("svg.role-map circle")).to_have_count(3)
    expect(page.get_by_test_id("loops")).to_contain_text("A → B → C → A")

    # a bad cell is refused naming it, and nothing changes
    mine.get_by_label("A on B", exact=True).fill("7")
    page.get_by_role("button", name="Save my scoring").click()
    expect(page.get_by_test_id("error")).to_contain_text("A → B: 7 is outside the scale 0–3")
    # the 422 of the refused form is logged by the browser; nothing else (no CSP refusal)
    assert [e for e in errors if "status of 422" not in e] == []
