"""Real Chromium on the accounts list: sort by a header click (twice: reversed), save the
filter, download the CSV of what the list shows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import committed_sqlite, serve
from tests.web.seed import PASSWORD, Seeded, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """Its own database: the test saves a filter."""
    url, ids = committed_sqlite(tmp_path_factory.mktemp("browser-lists"), seed)
    with serve(url) as base:
        yield base, ids


def test_admin_sorts_saves_and_exports_the_accounts_list(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _ids = site
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(base + "/accounts")
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts")
    names = page.locator("#account-results td.primary > a")
    ascending = names.all_inner_texts()
    assert len(ascending) >= 3 and ascending == sorted(ascending, key=str.casefold)

    header = page.locator("th[data-sort=name] a")
    header.click()  # the default sort is by name: the first click reverses it
    page.wait_for_url(re.compile(r".*sort=-name.*"))
    expect(page.locator("th[data-sort=name]")).to_have_attribute("aria-sort", "descending")
    assert names.all_inner_texts() == list(reversed(ascending))

    page.fill("input[name=name][placeholder='Name this view']", "Z to A")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_url(re.compile(r".*/accounts\?sort=-name$"))
    expect(page.get_by_test_id("saved-filter")).to_have_text("Z to A")

    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename == "accounts.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == list(reversed(ascending))
