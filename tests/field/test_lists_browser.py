"""Real Chromium: a technician on a phone plans a visit with a start time and a duration and
finds it on the visits list; a service manager sorts the list by a header click and downloads
the CSV of what it shows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, committed_sqlite, serve
from tests.field.seed import PASSWORD, Field, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Field]]:
    url, ids = committed_sqlite(
        tmp_path_factory.mktemp("browser-visits"), lambda s: seed(s, date.today())
    )
    with serve(url) as base:
        yield base, ids


def _log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_a_technician_plans_a_timed_visit_on_the_phone(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    page = browser.new_page(viewport=PHONE)
    _log_in(page, base, "tom")
    page.wait_for_url("**/today")
    page.get_by_role("link", name="Plan a visit").click()
    page.fill("#v-day", "2026-03-10")
    page.fill("#v-start", "06:30")
    page.fill("#v-duration", "75")
    page.select_option("#v-job", "inspection")
    page.get_by_role("button", name="Plan visit").click()
    page.wait_for_url(re.compile(r".*/visits/\d+$"))
    expect(page.get_by_test_id("visit-when")).to_contain_text("06:30 · 75 min · inspection")
    page.goto(base + "/visits?job_type=inspection")
    first = page.locator("table[data-testid=visits] tbody tr").first
    expect(first).to_contain_text("2026-03-10")
    expect(first).to_contain_text("06:30")


def test_a_manager_sorts_the_visits_and_downloads_them(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    _log_in(page, base, "sam")
    page.wait_for_url("**/accounts")
    page.goto(base + "/visits")
    page.locator("th[data-sort=technician] a").click()
    page.wait_for_url(re.compile(r".*sort=technician.*"))
    expect(page.locator("th[data-sort=technician]")).to_have_attribute("aria-sort", "ascending")
    shown = page.locator("table[data-testid=visits] tbody tr td:nth-child(7)").all_inner_texts()
    assert shown == sorted(shown) and shown
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename == "visits.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r[6] for r in rows[1:]] == shown
