"""Real Chromium against a real server: an owner builds a bundle quote on the page and watches the
totals, a sales manager approves it, the customer accepts through the link, contracts and
coverage appear, and a billing run bills the month once."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.offers.models import Contract
from servitize.trust.service import issue_token
from tests import builders as b
from tests.browser import committed_sqlite, serve
from tests.offers.catalogue import catalogue, pumps

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "offers-browser-pass-1"
BUNDLE = "Pumping as a service"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated SQLite file with an owner, a sales manager, an admin, an account with two
    pumps and the catalogue, served by uvicorn."""

    def fill(session: Session) -> dict[str, Any]:
        owner = b.user(session, username="olga", full_name="Olga Owner", password=PASSWORD)
        b.user(session, username="mark", role="sales_manager", password=PASSWORD)
        admin = b.user(session, username="ada", role="admin")
        account = b.account(session, name="Nordic Paper", owner_id=owner.id)
        machines = pumps(session, account)
        cat = catalogue(session)
        return {
            "account": account.id,
            "machines": [m.id for m in machines],
            "serials": [m.serial for m in machines],
            "offerings": (cat.machine.name, cat.agreement.name, cat.monitoring.name),
            "offering_ids": (
                cat.machine.external_id,
                cat.agreement.external_id,
                cat.monitoring.external_id,
            ),
            "token": issue_token(session, admin),
        }

    url, world = committed_sqlite(tmp_path_factory.mktemp("offers-browser"), fill)
    with serve(url, "offers-browser") as base:
        yield world | {"base": base, "url": url}


def _login(browser, base: str, path: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(base + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def test_a_bundle_quote_from_the_page_to_contracts_coverage_and_billing(
    site: dict[str, Any], tmp_path: Path, browser
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    shots = Path(os.environ.get("SERVITIZE_TEST_SHOTS", tmp_path))
    base = site["base"]
    errors: list[str] = []

    # the owner: a new quote with an availability clause above the borderline
    page = _login(browser, base, f"/quotes/new?account_id={site['account']}", "olga")
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.fill("#nq-title", "Pumps as a service")
    page.fill("#nq-term", "24")
    page.fill("#nq-payment_days", "30")
    page.select_option("#nq-clause", "linear")
    page.fill("#nq-clause-target_pct", "98.5")
    page.fill("#nq-clause-pct_per_point", "2")
    page.fill("#nq-clause-cap_pct", "10")
    page.get_by_role("button", name="Create quote").click()
    page.wait_for_url(re.compile(r".*/quotes/\d+$"))
    quote_url = page.url
    totals = page.get_by_test_id("totals")

    machine, agreement, monitoring = site["offering_ids"]
    for offering, machines in ((machine, None), (agreement, site["machines"]), (monitoring, None)):
        form = page.get_by_test_id("add-line")
        form.locator("#l-offering").select_option(offering)
        form.locator("#l-bundle").fill(BUNDLE)
        form.locator("#l-bundle-discount").fill("15")
        if machines:
            form.locator("#l-assets").select_option([str(m) for m in machines])
        form.get_by_role("button", name="Add line").click()
        expect(page.locator(f'tr[data-line="{offering}"]')).to_have_count(1)
        expect(page.get_by_test_id("ok")).to_contain_text("line added")
        if offering == machine:
            # live, after the first line: 10,000.00 less 15 % once
            expect(totals.locator('[data-total="one_time"]')).to_have_text("8,500.00 EUR")
    # 200.00 + 90.00 a month less 15 % = 246.50; 24 months: 8,500.00 + 5,916.00 = 14,416.00
    expect(totals.locator('[data-total="monthly_recurring"]')).to_have_text("246.50 EUR")
    expect(totals.locator('[data-total="yearly_recurring"]')).to_have_text("2,958.00 EUR")
    expect(totals.locator('[data-total="contract_value"]')).to_have_text("14,416.00 EUR")
    expect(page.get_by_test_id("clause")).to_contain_text("98.5")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_test_id("status")).to_have_text("pending approval")
    expect(page.get_by_test_id("reasons")).to_contain_text("term outside")
    page.screenshot(path=str(shots / "quote-submitted.png"), full_page=True)

    # the sales manager approves with a reason for the term outside the borderline
    boss = _login(browser, base, quote_url.removeprefix(base), "mark")
    boss.on("pageerror", lambda e: errors.append(str(e)))
    boss.get_by_role("button", name="Approve").click()  # the browser asks for the reason first
    expect(boss.get_by_test_id("status")).to_have_text("pending approval")
    boss.fill("#a-reason", "Spare pump on site; 98.5 % is safe")
    boss.get_by_role("button", name="Approve").click()
    expect(boss.get_by_test_id("status")).to_have_text("approved")
    boss.context.close()

    # the owner sends it: the customer's link, once
    page.reload()
    page.get_by_role("button", name="Send to the customer").click()
    link = page.get_by_test_id("accept-link").inner_text().strip()
    assert "/q/" in link
    page.reload()
    expect(page.get_by_test_id("accept-link")).to_have_count(0)

    # the customer, without a login, reads and accepts
    customer = browser.new_context().new_page()
    customer.on("pageerror", lambda e: errors.append(str(e)))
    customer.goto(link)
    expect(customer.get_by_test_id("customer")).to_have_text("Nordic Paper")
    expect(customer.get_by_test_id("totals")).to_contain_text("14,416.00 EUR")
    expect(customer.get_by_test_id("clause")).to_contain_text("98.5")
    assert "Spare pump on site" not in customer.content()  # no approval notes
    customer.screenshot(path=str(shots / "quote-customer.png"), full_page=True)
    customer.fill("#acc-name", "Eva Buyer")
    customer.get_by_role("button", name="I accept on behalf of Nordic Paper").click()
    expect(customer.get_by_test_id("thanks")).to_contain_text("Eva Buyer")
    customer.context.close()

    # contracts on the account, coverage on the machines
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {site['token']}"})
    contracts = api.get(f"/api/v1/contracts?account_id={site['account']}").json()
    assert sorted(c["kind"] for c in contracts) == ["service_agreement", "subscription"]
    by_kind = {c["kind"]: c for c in contracts}
    assert by_kind["service_agreement"]["asset_ids"] == sorted(site["machines"])
    assert by_kind["subscription"]["fee"] == "76.50"  # 90.00 less 15 %
    for machine_id in site["machines"]:
        page.goto(f"{base}/assets/{machine_id}")
        expect(page.get_by_test_id("coverage-status")).to_have_text("Under contract")
    page.goto(quote_url)
    expect(page.get_by_test_id("accepted")).to_contain_text("Eva Buyer")

    # the contracts as if they had started on the first of last month; bill that month twice
    month = _previous_month(date.today())
    engine = make_engine(site["url"])
    with Session(engine) as session:
        session.execute(
            update(Contract).where(Contract.account_id == site["account"]).values(start_on=month)
        )
        session.commit()
    engine.dispose()
    period = f"{month:%Y-%m}"
    first = api.post("/api/v1/billing/runs", json={"period": period})
    assert first.status_code == 200, first.text
    assert first.json()["written"] > 0
    lines = api.get(f"/api/v1/billing-lines?period={period}").json()
    ours = [ln for ln in lines if ln["account_id"] == site["account"]]
    billed = {ln["contract_id"] for ln in ours if ln["kind"] == "fee"}
    assert billed == {c["id"] for c in contracts}
    monitoring_fee = [
        ln["amount"] for ln in ours if ln["contract_id"] == by_kind["subscription"]["id"]
    ]
    assert monitoring_fee == ["76.50"]  # a whole month of the monitoring subscription
    again = api.post("/api/v1/billing/runs", json={"period": period})
    assert again.status_code == 200 and again.json()["written"] == 0
    assert len(api.get(f"/api/v1/billing-lines?period={period}").json()) == len(lines)
    api.close()
    assert errors == []
