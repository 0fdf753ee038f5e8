"""Real Chromium against a real server: the service manager schedules a sold sheet line on the
dispatch board (the form beside the drag and drop, whose script loads without CSP errors), and
the technician opens the work on a phone and marks it done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.service_work import service
from servitize.service_work.models import WorkEntry, WorkOrder
from tests.browser import PHONE, committed_sqlite, serve
from tests.service_work.helpers import org, signed_line

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "service-work-pass-1"


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, object]]]:
    def fill(session: Session) -> dict[str, object]:
        o = org(session, password=PASSWORD)
        line = signed_line(o)
        loose = service.create(
            o.ctx(o.manager), service.Opening(account_id=o.account.id, title="Loose guard")
        )
        return {
            "loose": loose.id,
            "manager": o.manager.username,
            "tech": o.tech.username,
            "tech_id": o.tech.id,
            "line": line,
        }

    url, ids = committed_sqlite(tmp_path_factory.mktemp("work-browser"), fill)
    with serve(url, "work-browser") as base:
        yield base, url, ids


def _log_in(page, base: str, username: str, start: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + start)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{start}*")


def test_a_sold_line_is_scheduled_on_the_board_and_done_on_the_phone(browser, site) -> None:  # type: ignore[no-untyped-def]
    base, url, ids = site
    day = _working_day(date.today() + timedelta(days=1))

    desk = browser.new_context(viewport={"width": 1400, "height": 900})
    page = desk.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _log_in(page, base, str(ids["manager"]), f"/dispatch?week={day.isoformat()}")
    expect(page.get_by_test_id("sold-line")).to_have_count(1)
    expect(page.get_by_test_id("sold-line")).to_contain_text("Hydraulic check")
    expect(page.locator("#schedule-form")).to_have_attribute("data-drag", "ready")  # script ran
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    page.select_option("#target", f"l:{ids['line']}")
    page.fill("#day", saturday.isoformat())
    page.get_by_test_id("schedule").click()  # refused: the reason comes back on the board
    expect(page.get_by_test_id("error")).to_contain_text("is a weekend day")
    expect(page.get_by_test_id("sold-line")).to_have_count(1)
    page.select_option("#target", f"l:{ids['line']}")
    page.select_option("#technician_id", str(ids["tech_id"]))
    page.fill("#day", day.isoformat())
    page.fill("#start", "10:00")
    page.fill("#minutes", "90")
    page.get_by_test_id("schedule").click()
    expect(page.get_by_test_id("message")).to_contain_text("scheduled")
    expect(page.get_by_test_id("sold-line")).to_have_count(0)
    expect(page.get_by_test_id("job").filter(has_text="Hydraulic check")).to_contain_text(
        "10:00–11:30"
    )
    # Drag and drop: the unscheduled card onto the technician's day (the script sends the form).
    cell = page.locator(f'td[data-technician="{ids["tech_id"]}"][data-day="{day.isoformat()}"]')
    page.locator(f'[data-target="w:{ids["loose"]}"]').drag_to(cell)
    expect(cell.get_by_test_id("job").filter(has_text="Loose guard")).to_have_count(1)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == []
    desk.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, base, str(ids["tech"]), "/today")
    item = page.get_by_test_id("my-work-item").filter(has_text="Hydraulic check")
    expect(item).to_contain_text("Hydraulic check")
    item.click()
    page.wait_for_url("**/work/*")
    expect(page.get_by_test_id("work-status")).to_have_text("scheduled")
    page.get_by_test_id("move-in_progress").click()
    expect(page.get_by_test_id("work-status")).to_have_text("in progress")
    phone.set_offline(True)  # in the basement: the note stays on the phone
    page.fill("#note-text", "Hoses replaced, no leak")
    page.get_by_test_id("add-note").click()
    expect(page.locator("#work-status-line")).to_contain_text("kept on this phone")
    phone.set_offline(False)  # back in reach: the queue is sent, once
    expect(page.get_by_test_id("work-log")).to_contain_text("Hoses replaced, no leak")
    page.get_by_test_id("move-done").click()
    expect(page.get_by_test_id("work-status")).to_have_text("done")
    # The one failed send while offline is the browser's own report; nothing else went wrong.
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == [], errors
    phone.close()

    engine = make_engine(url)
    with Session(engine) as session:
        done = session.scalar(select(WorkOrder).where(WorkOrder.sign_up_line_id == ids["line"]))
        assert done is not None and (done.status, done.source) == ("done", "sign_up")
        assert done.completed_at is not None
        notes = session.scalars(
            select(WorkEntry.text).where(
                WorkEntry.work_order_id == done.id, WorkEntry.kind == "note"
            )
        ).all()
        assert notes == ["Hoses replaced, no leak"]
    engine.dispose()
    assert Path(url.removeprefix("sqlite:///")).exists()
