"""The visits and sign-up sheets lists: sorted by a header in SQL, saved as views, downloaded as
CSV and XLSX holding the page's own values (a sheet's total to the cent); visits with their
time of day and duration, planned from the form and the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.models import Visit
from servitize.trust.service import issue_token
from tests import builders as b

HTML = {"accept": "text/html"}
MONDAY = date(2026, 3, 2)


def _as(session: Session, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}", **HTML}


def _rows(html: str, testid: str) -> list[list[str]]:
    """The cells of a list's table as text (links unwrapped)."""
    body = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)
        out.append([re.sub(r"<[^>]+>", "", c).replace("&amp;", "&").strip() for c in cells])
    return out


def _csv(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _xlsx(answer: Any) -> list[tuple[Any, ...]]:
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def _world(session: Session) -> dict[str, Any]:
    """Two technicians' visits at two accounts: times, durations, one all-day visit."""
    boss = b.user(session, username="lboss", role="admin")
    tom = b.user(session, username="ltom", full_name="Tom Keller", role="technician")
    ute = b.user(session, username="lute", full_name="Ute Adler", role="technician")
    acme = b.account(session, name="Acme Steel")
    bolt = b.account(session, name="Bolt Foods")
    site = b.site(session, acme, name="Duisburg mill")
    visits = [
        b.visit(
            session,
            tom,
            acme,
            day=MONDAY,
            start_time=time(13, 30),
            duration_minutes=90,
            site_id=site.id,
            job_type="repair",
        ),
        b.visit(session, ute, bolt, day=MONDAY, start_time=time(8, 0), duration_minutes=45),
        b.visit(session, tom, bolt, day=date(2026, 3, 4)),  # all day, no length
        b.visit(
            session,
            ute,
            acme,
            day=date(2026, 3, 3),
            start_time=time(7, 15),
            duration_minutes=1440,
            job_type="installation",
        ),
    ]
    return {"boss": boss, "tom": tom, "ute": ute, "acme": acme, "bolt": bolt, "visits": visits}


def test_visits_sort_by_each_column_with_times_and_export_the_same(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    h = _as(session, w["boss"])
    page = app_client.get("/visits?sort=start", headers=h)
    assert page.status_code == 200, page.text
    rows = _rows(page.text, "visits")
    # by start time: 07:15, 08:00, 13:30, then the all-day visit (no time) last
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("2026-03-03", "07:15", "1,440"),
        ("2026-03-02", "08:00", "45"),
        ("2026-03-02", "13:30", "90"),
        ("2026-03-04", "", ""),
    ]
    assert rows[2][3:7] == ["repair", "Acme Steel", "Duisburg mill", "Tom Keller"]
    # the default: latest day first; by technician; by duration descending (empty last)
    default = _rows(app_client.get("/visits", headers=h).text, "visits")
    assert [r[0] for r in default] == ["2026-03-04", "2026-03-03", "2026-03-02", "2026-03-02"]
    by_tech = _rows(app_client.get("/visits?sort=technician", headers=h).text, "visits")
    assert [r[6] for r in by_tech] == ["Tom Keller", "Tom Keller", "Ute Adler", "Ute Adler"]
    longest = _rows(app_client.get("/visits?sort=-duration", headers=h).text, "visits")
    assert [r[2] for r in longest] == ["1,440", "90", "45", ""]
    bad = app_client.get("/visits?sort=notes", headers=h)
    assert bad.status_code == 422 and "sort by one of: day, start, duration" in bad.text
    # a filter and the file: the same rows, the same values
    tom = w["tom"].id
    shown = _rows(app_client.get(f"/visits?technician_id={tom}&sort=day", headers=h).text, "visits")
    assert [r[0] for r in shown] == ["2026-03-02", "2026-03-04"]
    exported = _csv(app_client.get(f"/visits.csv?technician_id={tom}&sort=day", headers=h))
    assert exported[0][:4] == ["Day", "Starts", "Minutes", "Job"]
    assert [r[:7] for r in exported[1:]] == [r[:7] for r in shown]
    book = _xlsx(app_client.get(f"/visits.xlsx?technician_id={tom}&sort=day", headers=h))
    assert book[1][:3] == (datetime(2026, 3, 2), "13:30", 90)
    assert book[2][:3] == (datetime(2026, 3, 4), None, None)
    assert app_client.get("/visits.csv?account_id=x", headers=h).status_code == 422


def test_a_technician_lists_only_their_visits(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    rows = _rows(app_client.get("/visits", headers=_as(session, w["tom"])).text, "visits")
    assert {r[6] for r in rows} == {"Tom Keller"} and len(rows) == 2


def _sheet(
    session: Session, visit: Visit, tech: Any, lines: list[tuple[int, float, str, bool]], **kw: Any
) -> SignUpSheet:
    offering = b.offering(session, name=f"Check {len(lines)}", sign_up_eligible=True)
    sheet = SignUpSheet(visit_id=visit.id, account_id=visit.account_id, technician_id=tech.id, **kw)
    session.add(sheet)
    session.flush()
    for cents, quantity, currency, ticked in lines:
        session.add(
            SignUpLine(
                sheet_id=sheet.id,
                offering_id=offering.id,
                reason="seen on site",
                quantity=quantity,
                unit_price_cents=cents,
                currency=currency,
                ticked=ticked,
            )
        )
    session.flush()
    return sheet


def test_sheets_sort_and_export_the_pages_totals_to_the_cent(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    v1, v2, v3, _v4 = w["visits"]
    signed = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    # 2 x 1,234.55 + 0.10 ticked = 2,469.20 EUR; the 99.99 line not ticked
    big = _sheet(
        session,
        v1,
        w["tom"],
        [(1_234_55, 2.0, "EUR", True), (10, 1.0, "EUR", True), (99_99, 1.0, "EUR", False)],
        status="signed",
        signer_name="Hanna Vogt",
        signed_on="paper",
        signed_at=signed,
    )
    # 3 x 33.33 = 99.99 EUR ticked, proposed
    small = _sheet(session, v2, w["ute"], [(33_33, 3.0, "EUR", True)])
    # nothing ticked: 0.00
    _sheet(session, v3, w["tom"], [(50_00, 1.0, "EUR", False)], status="cancelled")
    h = _as(session, w["boss"])
    page = app_client.get("/sheets", headers=h)
    assert page.status_code == 200, page.text
    rows = _rows(page.text, "sheets")
    assert [int(r[0]) for r in rows][:2] != [big.id, small.id]  # newest first
    by_id = {int(r[0]): r for r in rows}
    assert by_id[big.id][4:9] == ["signed", "3", "2", "2,469.20", "EUR"]
    assert by_id[small.id][4:9] == ["proposed", "1", "1", "99.99", "EUR"]
    assert by_id[big.id][10:12] == ["2026-03-02 15:00", "Hanna Vogt"]
    ticked = _rows(app_client.get("/sheets?sort=-ticked", headers=h).text, "sheets")
    assert [r[6] for r in ticked] == ["2", "1", "0"]
    only = _rows(app_client.get("/sheets?status=signed", headers=h).text, "sheets")
    assert [int(r[0]) for r in only] == [big.id]
    assert app_client.get("/sheets?status=lost", headers=h).status_code == 422
    # the file: the page's rows, money as the page's amount without separators
    exported = _csv(app_client.get("/sheets.csv?sort=-ticked", headers=h))
    assert exported[0][7:9] == ["Total ticked", "Currency"]
    for shown, row in zip(ticked, exported[1:], strict=True):
        assert row[0] == shown[0] and row[8] == shown[8]
        assert f"{Decimal(row[7]):,.2f}" == shown[7]
    assert [r[7] for r in exported[1:]] == ["2469.20", "99.99", "0.00"]
    book = _xlsx(app_client.get("/sheets.xlsx?sort=-ticked", headers=h))
    assert [r[7] for r in book[1:]] == [2469.2, 99.99, 0]


def test_a_view_of_the_visits_list_is_saved_and_reopened(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    h = _as(session, w["boss"])
    page = app_client.get("/visits?job_type=repair&sort=-start", headers=h).text
    assert (
        'data-testid="listbar"' in page
        and 'href="/visits.csv?job_type=repair&amp;sort=-start"' in page
    )
    assert 'aria-sort="descending" data-sort="start"' in page


def test_the_api_plans_a_visit_with_time_and_duration_and_refuses_bad_ones(
    session, app_client
) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    h = {"Authorization": _as(session, w["tom"])["Authorization"]}
    body = {
        "account_id": w["acme"].id,
        "day": "2026-03-09",
        "start_time": "09:45",
        "duration_minutes": 120,
    }
    made = app_client.post("/api/v1/visits", json=body, headers=h)
    assert made.status_code == 201, made.text
    assert (made.json()["start_time"], made.json()["duration_minutes"]) == ("09:45:00", 120)
    visit = session.get(Visit, made.json()["id"])
    assert visit is not None and (visit.start_time, visit.duration_minutes) == (time(9, 45), 120)
    for bad, field in (
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"start_time": "25:00"}, "start_time"),
        ({"start_time": "09:45:30"}, "start_time"),
    ):
        answer = app_client.post(
            "/api/v1/visits", json=body | bad | {"job_type": "repair"}, headers=h
        )
        assert answer.status_code == 422 and field in answer.text, answer.text


def test_the_visit_form_takes_start_time_and_duration(session, web, field) -> None:  # type: ignore[no-untyped-def]
    from tests.field.test_pages import log_in

    token = log_in(web, "tom")
    form = web.get("/visits/new").text
    assert 'name="start_time" type="time"' in form and 'name="duration_minutes"' in form
    data = {
        "account_id": field.acme,
        "day": "2026-03-10",
        "job_type": "inspection",
        "start_time": "06:30",
        "duration_minutes": "75",
        "csrf_token": token,
    }
    answer = web.post("/visits/new", data=data)
    assert answer.status_code == 303, answer.text
    visit = session.get(Visit, int(answer.headers["location"].rsplit("/", 1)[1]))
    assert visit is not None and (visit.start_time, visit.duration_minutes) == (time(6, 30), 75)
    page = web.get(answer.headers["location"]).text
    assert "06:30" in page and "75 min" in page
    listed = _rows(web.get("/visits?job_type=inspection").text, "visits")
    assert listed[0][:4] == ["2026-03-10", "06:30", "75", "inspection"]
    # no time: an all-day visit; a bad duration is one line naming the field, the form again
    again = web.post(
        "/visits/new",
        data=data | {"duration_minutes": "0", "day": "2026-03-11"},
        headers={"accept": "text/html"},
    )
    assert again.status_code in (400, 422) and "duration_minutes" in again.text
    whole = web.post(
        "/visits/new", data=data | {"start_time": "", "duration_minutes": "", "day": "2026-03-12"}
    )
    assert whole.status_code == 303
    plain = session.get(Visit, int(whole.headers["location"].rsplit("/", 1)[1]))
    assert plain is not None and (plain.start_time, plain.duration_minutes) == (None, None)


def test_the_account_360_shows_visits_with_time_of_day_and_duration(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    fragment = app_client.get(f"/accounts/{w['acme'].id}/field", headers=_as(session, w["boss"]))
    assert fragment.status_code == 200, fragment.text
    visits = fragment.text.split('data-testid="account-visits"', 1)[1].split("</ul>", 1)[0]
    lines = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li>(.*?)</li>", visits, flags=re.S)
    ]
    assert lines == [
        "2026-03-03 07:15 · 1440 min installation · Ute Adler",
        "2026-03-02 13:30 · 90 min repair · Tom Keller · Duisburg mill",
    ]
    assert f'href="/visits?account_id={w["acme"].id}"' in fragment.text


def test_today_shows_the_time_and_length_and_links_the_visits(session, web, field) -> None:  # type: ignore[no-untyped-def]
    from tests.field.test_pages import log_in

    visit = session.get(Visit, field.visit_tom)
    assert visit is not None
    visit.start_time, visit.duration_minutes = time(9, 15), 50
    session.flush()
    log_in(web, "tom")
    today = web.get("/today").text
    assert "09:15 · 50 min · maintenance" in today and 'data-testid="my-visits"' in today
    log_in(web, "sam")
    nav = web.get("/accounts").text
    assert 'href="/visits"' in nav and 'href="/sheets"' in nav
