"""Real Chromium on a phone-sized viewport against a real server: report, route, sign, 404."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.field import service, sheets
from servitize.field.schemas import LeadReport
from servitize.installed_base.models import Order, Visit
from servitize.trust.audit import Actor
from servitize.trust.models import User
from tests.browser import PHONE, committed_sqlite, serve
from tests.field.seed import PASSWORD, Field, seed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = Path(os.environ.get("SERVITIZE_SCREENSHOTS", "var/screenshots/field"))


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, Field, dict[str, int]]]:
    """A migrated SQLite file with the field seed (and Tina's sheet and lead), served by uvicorn."""

    def fill(session: Session) -> tuple[Field, dict[str, int]]:
        f = seed(session, date.today())
        tina = session.get(User, f.tina)
        sheet = sheets.propose_sheet(session, tina, session.get(Visit, f.visit_tina))
        lead = service.report_lead(
            session,
            tina,
            LeadReport(
                account_id=f.southco, observation="old conveyor", estimated_value=Decimal(300)
            ),
        )
        service.route_new_leads(session, Actor("test"))  # the rule lead goes to Tom's visit
        return f, {"sheet": sheet.id, "lead": lead.lead_id}

    url, (f, other) = committed_sqlite(tmp_path_factory.mktemp("field-browser"), fill)
    with serve(url, "field-browser") as base:
        yield base, url, f, other


def _phone(browser, base: str, username: str, start: str = "/today"):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + start)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{start}")
    return context, page


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_technician_reports_a_lead_on_a_flaky_connection_and_the_owner_sees_it(
    browser, site
) -> None:  # type: ignore[no-untyped-def]
    base, _url, f, _other = site
    context, page = _phone(browser, base, "tom")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    expect(page.get_by_test_id("visit")).to_have_count(1)
    expect(page.get_by_test_id("lead-card")).to_contain_text("Three spindle repairs in six months.")
    _shot(page, "today")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("[data-testid=visit] .visit-head")
    page.wait_for_url(f"**/visits/{f.visit_tom}")
    page.get_by_test_id("visit-report").click()
    page.wait_for_url("**/report?*")
    page.select_option("#asset_id", str(f.press))
    page.get_by_text("Wear or ageing parts").click()
    page.fill("#observation", "Main bearing rumbles; they want the whole line retrofitted")
    page.get_by_text("5,000 – 25,000").click()
    _shot(page, "report")
    dropped = {"n": 0}

    def drop_first(route):  # type: ignore[no-untyped-def]
        if route.request.method == "POST" and dropped["n"] == 0:
            dropped["n"] += 1
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/report", drop_first)
    started = time.monotonic()
    page.get_by_test_id("send-lead").click()
    expect(page.locator("#report-status")).to_contain_text("kept on this phone")
    _shot(page, "report-offline")
    page.wait_for_url("**/inbox/*?reported=1", timeout=15_000)
    assert dropped["n"] == 1 and time.monotonic() - started < 30
    expect(page.get_by_test_id("routed")).to_contain_text(
        "Routed to the account owner: Olga Berger"
    )
    _shot(page, "report-routed")
    assert page.evaluate("localStorage.getItem('servitize.lead-report')") is None
    assert not errors, errors
    context.close()

    context, page = _phone(browser, base, "olga", "/inbox")
    row = page.get_by_test_id("inbox-row").filter(has_text="15,000 EUR")
    expect(row).to_contain_text("account owner")
    expect(row).to_contain_text("Olga Berger")
    _shot(page, "inbox-owner")
    context.close()


def test_a_sign_up_sheet_is_signed_on_the_phone_and_becomes_orders(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, url, f, _other = site
    context, page = _phone(browser, base, "tom")
    page.locator("[data-testid=visit] button", has_text="Sign-up sheet").click()
    page.wait_for_url("**/sheets/*")
    lines = page.locator("[data-testid=sheet-lines] li")
    for name in ("Hydraulic hose check", "Spindle bearing kit"):  # 350 (rule lead) + 1,200
        lines.filter(has_text=name).locator("input[type=checkbox]").check()
    expect(page.get_by_test_id("sheet-total")).to_have_text("1,550.00 EUR")
    page.fill("#signer_name", "Hanna Vogt")
    pad = page.locator("#signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + 110)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(pad["x"] + 30 + i * 22, pad["y"] + 110 - (i % 3) * 25)
    page.mouse.up()
    _shot(page, "sheet")
    page.get_by_test_id("sign").click()
    page.wait_for_url("**/sheets/*?signed=1")
    expect(page.get_by_test_id("ordered-total")).to_have_text("1,550.00 EUR")
    _shot(page, "sheet-signed")
    context.close()
    engine = make_engine(url)
    with Session(engine) as session:
        orders = session.execute(
            select(Order.amount_cents, Order.channel, Order.sold_by_id).order_by(Order.id)
        ).all()
    engine.dispose()
    assert [tuple(o) for o in orders] == [
        (350_00, "technician", f.tom),
        (1_200_00, "technician", f.tom),
    ]


def test_a_technician_cannot_open_another_territorys_lead_or_sheet(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, _url, _f, other = site
    context, page = _phone(browser, base, "tom")
    for path in (f"/sheets/{other['sheet']}", f"/inbox/{other['lead']}"):
        page.goto(base + path)
        assert page.locator("h1").inner_text() == "Not found", path
    statuses = page.evaluate(
        """async ([s, l]) => [
            (await fetch('/api/v1/sheets/' + s)).status,
            (await fetch('/api/v1/leads/' + l + '/route')).status]""",
        [other["sheet"], other["lead"]],
    )
    assert statuses == [404, 404]
    context.close()
