"""Real Chromium against a real server: a customer narrows their data sharing to contract
verification on /portal/consent, and the account's owner sees the change and who made it in the
data-sharing panel of the account 360 (loaded by HTMX under the page's CSP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from servitize.installed_base.models import CustomerAccount
from servitize.telemetry import consent
from servitize.trust.audit import Actor
from tests import builders as b
from tests.browser import committed_sqlite, serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "consent-browser-pass-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A customer's user of one account sharing status, usage and energy for contract
    verification and service offers; the account's owner."""

    def fill(session: Session) -> dict[str, Any]:
        owner = b.user(session, username="olaf", role="account_owner", password=PASSWORD)
        cora = b.user(session, username="cora", role="customer", password=PASSWORD)
        account = b.account(session, name="Bakery North", owner_id=owner.id)
        b.asset(session, account, serial="OV-1")
        session.add(CustomerAccount(user_id=cora.id, account_id=account.id))
        agreement = consent.record_agreement(
            session,
            Actor("olaf", owner.id),
            account.id,
            ["status", "usage", "energy"],
            ["contract_verification", "service_offers"],
            datetime(2026, 1, 1, tzinfo=UTC),
        )
        return {"account": account.id, "agreement": agreement.id}

    url, world = committed_sqlite(tmp_path_factory.mktemp("consent-browser"), fill)
    with serve(url, "consent-browser") as base:
        yield world | {"base": base}


def _log_in(browser, base: str, path: str, username: str, errors: list[str]):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}{path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_the_customer_narrows_and_the_owner_sees_it_on_the_360(
    site: dict[str, Any], browser
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, errors, a = site["base"], [], site["agreement"]
    page = _log_in(browser, base, "/portal/consent", "cora", errors)
    expect(page.get_by_role("heading", name="Your data sharing")).to_be_visible()
    expect(page.get_by_test_id("purposes")).to_contain_text(
        "we compute your machines' availability"
    )
    row = page.get_by_test_id(f"agreement-{a}")
    expect(row.get_by_test_id("state")).to_have_text("active")
    row.locator("summary").click()
    form = page.get_by_test_id(f"change-{a}")
    form.locator('input[value="service_offers"]').uncheck()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("done")).to_contain_text("narrow")
    expect(page.get_by_test_id(f"agreement-{a}").get_by_test_id("state")).to_have_text("narrowed")
    expect(page.get_by_test_id("history")).to_contain_text("narrow by cora")
    # The picture: status for service offers is no longer shared.
    title = page.locator("svg.consent-grid rect title", has_text="status for service offers")
    expect(title).to_have_text("status for service offers: not shared")

    staff = _log_in(browser, base, f"/accounts/{site['account']}", "olaf", errors)
    panel = staff.get_by_test_id("consent-panel")  # loaded by HTMX after the page
    expect(panel.get_by_test_id(f"agreement-{a}").get_by_test_id("state")).to_have_text("narrowed")
    expect(panel.get_by_test_id("consent-history")).to_contain_text("narrow of agreement")
    expect(panel.get_by_test_id("consent-history")).to_contain_text("by cora (customer)")
    # Across accounts: the narrowed agreements, by the filter's choice.
    staff.goto(f"{base}/consent")
    staff.select_option("#f-state", "narrowed")
    staff.get_by_role("button", name="Filter").click()
    expect(staff.get_by_test_id("agreements")).to_contain_text("Bakery North")
    expect(staff.get_by_test_id("csv")).to_have_attribute("href", "/consent.csv?state=narrowed")
    assert errors == []
