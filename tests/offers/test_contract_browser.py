"""Real Chromium against a real server: an admin opens a sold contract, previews an amendment as
they type (HTMX under the page's CSP), and bills last month from the billing page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from servitize.offers.models import Contract, ContractAsset
from tests import builders as b
from tests.browser import committed_sqlite, serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "contract-browser-pass-1"


def _last_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An admin, an account with a pump under a 62.00 EUR a month contract since the first of
    the month before last, served by uvicorn."""
    start = _last_month(_last_month(date.today()))

    def fill(session: Session) -> dict[str, Any]:
        b.user(session, username="ada", role="admin", password=PASSWORD)
        account = b.account(session, name="Nordic Paper")
        pump = b.asset(session, account, serial="PX-001")
        contract = Contract(
            number="C-BROWSER",
            account_id=account.id,
            kind="subscription",
            name="Condition monitoring",
            currency="EUR",
            fee_cents=62_00,
            period="month",
            start_on=start,
            minimum_term_end=start + timedelta(days=366),
            renewal_on=start.replace(year=start.year + 3),
        )
        session.add(contract)
        session.flush()
        session.add(ContractAsset(contract_id=contract.id, asset_id=pump.id))
        return {"contract": contract.id, "pump": pump.id}

    url, world = committed_sqlite(tmp_path_factory.mktemp("contract-browser"), fill)
    with serve(url, "contract-browser") as base:
        yield world | {"base": base}


def test_a_contract_page_and_a_billing_run_from_the_page(site: dict[str, Any], browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, errors = site["base"], []
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/sold-contracts/{site['contract']}")
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("fee")).to_contain_text("62.00 EUR / month, 36 months")
    expect(
        page.get_by_test_id("machines").locator(f'a[href="/assets/{site["pump"]}"]')
    ).to_have_count(1)

    # typing the new fee asks for the preview: 62.00 → 93.00 from the 1st is the whole month
    page.fill("#am-on", date.today().replace(day=1).isoformat())
    page.fill("#am-fee", "93.00")
    expect(page.get_by_test_id("month-total")).to_have_text("93.00 EUR")

    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Contracts").click()  # the menu of what was sold opens
    nav.get_by_role("link", name="Billing", exact=True).click()
    month = f"{_last_month(date.today()):%Y-%m}"
    page.select_option("#run-period", month)
    page.get_by_role("button", name="Run billing").click()
    expect(page.get_by_test_id("ok")).to_contain_text("billed: 1 new lines")
    # a whole month of 62.00
    expect(page.locator('[data-total="EUR"]')).to_have_text("62.00 EUR")
    page.get_by_role("button", name="Run again").click()
    expect(page.get_by_test_id("ok")).to_contain_text("billed: 0 new lines, 1 already billed")
    assert errors == []
