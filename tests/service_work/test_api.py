"""Service work over HTTP: the API's answers (bad input names the field, an illegal move is 409),
photos (limits, served only to who may see the work order), the pages and the CSV export."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from servitize.service_work.models import WorkOrder
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.service_work.helpers import Org, org, signed_line

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000


def _auth(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _work(client: Any, o: Org, **body: Any) -> dict[str, Any]:
    r = client.post(
        "/api/v1/work",
        headers=_auth(o.session, o.manager),
        json={"account_id": o.account.id, "title": "Replace seals", "asset_id": o.asset.id} | body,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_bad_input_names_the_field(session: Session, app_client: Any) -> None:
    o = org(session)
    auth = _auth(session, o.manager)
    cases = [
        ("/api/v1/work", {"account_id": o.account.id}, "title"),
        ("/api/v1/work", {"account_id": o.account.id, "title": "x", "kind": "magic"}, "kind"),
        (
            "/api/v1/work",
            {"account_id": o.account.id, "title": "x", "due_on": "0001-01-01"},
            "due_on",
        ),
        (
            "/api/v1/dispatch/schedule",
            {"work_order_id": 1, "technician_id": o.tech.id, "day": "2026-12-07", "start": "25:00"},
            "start",
        ),
        (
            "/api/v1/pm-plans",
            {
                "name": "x",
                "account_id": o.account.id,
                "start_on": "2026-01-01",
                "interval_months": 0,
            },
            "interval_months",
        ),
    ]
    for path, body, field in cases:
        r = app_client.post(path, headers=auth, json=body)
        assert r.status_code == 422, (path, r.text)
        assert field in r.text, (path, r.text)
    w = _work(app_client, o)
    r = app_client.post(
        f"/api/v1/work/{w['id']}/entries", headers=auth, json={"kind": "time", "hours": 30}
    )
    assert r.status_code == 422 and "hours" in r.text
    r = app_client.post(
        "/api/v1/dispatch/schedule",
        headers=auth,
        json={"work_order_id": w["id"], "technician_id": o.manager.id, "day": "2026-12-07"},
    )
    assert r.status_code == 422 and "technician_id" in r.json()["detail"]


def test_an_illegal_move_is_409_and_a_clash_names_the_other_job(
    session: Session, app_client: Any
) -> None:
    o = org(session)
    auth = _auth(session, o.manager)
    w = _work(app_client, o)
    r = app_client.post(f"/api/v1/work/{w['id']}/status", headers=auth, json={"status": "done"})
    assert r.status_code == 409 and r.json()["detail"].startswith(
        "status: a work order that is new"
    )
    first = _work(app_client, o, title="First job")
    slot = {"technician_id": o.tech.id, "day": "2026-12-08", "start": "09:00", "minutes": 120}
    r = app_client.post(
        "/api/v1/dispatch/schedule", headers=auth, json={"work_order_id": first["id"]} | slot
    )
    assert r.status_code == 200 and r.json()["slot"]["start"] == "09:00"
    r = app_client.post(
        "/api/v1/dispatch/schedule",
        headers=auth,
        json={"work_order_id": w["id"]} | slot | {"start": "10:00"},
    )
    assert r.status_code == 409
    assert r.json()["detail"] == (
        f"start: Tom Tech is busy Tue 08 Dec 09:00–11:00 ({first['number']} at Acme Press)"
    )
    r = app_client.post(
        "/api/v1/dispatch/schedule",
        headers=auth,
        json={"work_order_id": w["id"]} | slot | {"day": "2026-12-12"},
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("day: Saturday")


def test_a_sold_line_is_dispatched_through_the_api(session: Session, app_client: Any) -> None:
    o = org(session)
    line = signed_line(o)
    auth = _auth(session, o.manager)
    board = app_client.get("/api/v1/dispatch?week=2026-12-07", headers=auth).json()
    assert [s["line_id"] for s in board["sold_lines"]] == [line]
    r = app_client.post(
        "/api/v1/dispatch/schedule",
        headers=auth,
        json={"line_id": line, "technician_id": o.tech.id, "day": "2026-12-09", "start": "13:30"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["source"], body["status"], body["slot"]["minutes"]) == (
        "sign_up",
        "scheduled",
        120,
    )
    board = app_client.get("/api/v1/dispatch?week=2026-12-07", headers=auth).json()
    assert board["sold_lines"] == []
    tom = next(t for t in board["technicians"] if t["id"] == o.tech.id)
    assert [j["work_order_id"] for j in tom["days"]["2026-12-09"]] == [body["id"]]
    assert tom["skills"] == ["hydraulics"]


def test_photos_are_limited_and_served_only_to_who_may_see_them(
    session: Session, data_app_client: Any
) -> None:
    client = data_app_client
    o = org(session)
    w = _work(client, o)
    auth = _auth(session, o.manager)
    url = f"/api/v1/work/{w['id']}/photos"
    gif = client.post(url, headers=auth, files={"file": ("a.gif", b"GIF89a....", "image/gif")})
    assert gif.status_code == 422 and gif.json()["detail"].startswith("photo: a image/jpeg")
    fake = client.post(url, headers=auth, files={"file": ("a.jpg", b"not a jpeg", "image/jpeg")})
    assert fake.status_code == 422 and "not a image/jpeg picture" in fake.json()["detail"]
    big = JPEG + b"\x00" * 800_000
    large = client.post(url, headers=auth, files={"file": ("a.jpg", big, "image/jpeg")})
    assert large.status_code == 422 and "at most 800,000" in large.json()["detail"]
    ok = client.post(
        url, headers=auth, files={"file": ("a.jpg", JPEG, "image/jpeg")}, data={"caption": "seal"}
    )
    assert ok.status_code == 201, ok.text
    photo = ok.json()["photo"]
    got = client.get(photo, headers=auth)
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    stranger = b.user(session, username="far_tech", role="technician", territory="south")
    assert client.get(photo, headers=_auth(session, stranger)).status_code == 404
    assert client.get(photo).status_code in (401, 303)


def test_the_work_list_filters_and_exports(session: Session, app_client: Any) -> None:
    o = org(session)
    auth = _auth(session, o.manager)
    a = _work(app_client, o, title="Alpha job", due_on="2026-12-10")
    _work(app_client, o, title="Beta job")
    app_client.post(f"/api/v1/work/{a['id']}/status", headers=auth, json={"status": "cancelled"})
    listed = app_client.get("/api/v1/work?status=open", headers=auth).json()
    assert [i["title"] for i in listed["items"]] == ["Beta job"]
    assert app_client.get("/api/v1/work?status=bogus", headers=auth).status_code == 422
    assert app_client.get("/api/v1/work?source=alert", headers=auth).json()["items"] == []
    by_hand = app_client.get("/work?source=manual", headers=auth).text
    assert "Alpha job" in by_hand and "Beta job" in by_hand
    page = app_client.get("/work?status=cancelled", headers=auth)
    assert page.status_code == 200 and "Alpha job" in page.text and "Beta job" not in page.text
    csv = app_client.get("/work.csv?due=2026-12-31", headers=auth)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "number,title,account,machine,status,technician,due_on,source"
    assert lines[1:] == [
        f"{a['number']},Alpha job,Acme Press,PX-200 {o.asset.serial},cancelled,,2026-12-10,manual"
    ]
    xlsx = app_client.get("/work.xlsx?status=cancelled", headers=auth)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip: the workbook
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][:2] == [a["number"], "Alpha job"]


def test_the_pages_render_for_the_manager_and_the_technician(
    session: Session, app_client: Any
) -> None:
    o = org(session)
    line = signed_line(o)
    manager = _auth(session, o.manager)
    board = app_client.get("/dispatch?week=2026-12-07", headers=manager)
    assert board.status_code == 200
    assert (
        f'data-target="l:{line}"' in board.text
        and 'src="/static/service_work/dispatch.js"' in board.text
    )
    assert "Show weekends" in board.text and "Sat 12 Dec" not in board.text
    weekend = app_client.get("/dispatch?week=2026-12-07&weekends=true", headers=manager)
    assert "Sat 12 Dec" in weekend.text
    plans = app_client.get("/pm-plans", headers=manager)
    assert plans.status_code == 200 and "Generate now" in plans.text
    w = _work(app_client, o)
    tech = _auth(session, o.tech)
    # Not theirs yet: the technician sees it (their territory) without the buttons.
    page = app_client.get(f"/work/{w['id']}", headers=tech)
    assert page.status_code == 200 and 'data-testid="move-' not in page.text
    wo = session.get(WorkOrder, w["id"])
    assert wo is not None
    wo.technician_id = o.tech.id
    session.flush()
    page = app_client.get(f"/work/{w['id']}", headers=tech)
    assert 'data-testid="move-in_progress"' in page.text and "work.js" in page.text
    mine = app_client.get("/work/mine", headers=tech)
    assert w["number"] in mine.text
    assert app_client.get("/pm-plans", headers=tech).status_code == 200


def test_the_plans_page_shows_the_next_due_date_and_generates_now(
    session: Session, app_client: Any
) -> None:
    o = org(session)
    auth = _auth(session, o.manager)
    made = app_client.post(
        "/api/v1/pm-plans",
        headers=auth,
        json={
            "name": "Half-yearly",
            "account_id": o.account.id,
            "asset_id": o.asset.id,
            "interval_months": 6,
            "start_on": "2026-06-10",
        },
    )
    assert made.status_code == 201, made.text
    page = app_client.get("/pm-plans", headers=auth).text
    assert "10 Dec 2026" in page and ">0</a> of 1" in page  # 10 June + 6 months
    ran = app_client.post("/pm-plans/run", headers=auth, data={}, follow_redirects=False)
    assert ran.status_code == 303
    # Today is the real day: the plan fell due on 10 December 2026, so the run opened it.
    said = app_client.get(ran.headers["location"], headers=auth).text
    assert "1 work orders opened" in said and ">1</a> of 1" in said
    again = app_client.post("/api/v1/pm-plans/run", headers=auth, json={}).json()
    assert again["opened"] == [] and again["already_open"] == 1


def test_the_customer_does_not_see_the_service_organisations_work(
    session: Session, app_client: Any
) -> None:
    from servitize.installed_base.models import CustomerAccount

    o = org(session)
    w = _work(app_client, o)
    buyer = b.user(session, username="buyer_sw", role="customer")
    session.add(CustomerAccount(user_id=buyer.id, account_id=o.account.id))
    session.flush()
    auth = _auth(session, buyer)
    for path in ("/api/v1/work", f"/api/v1/work/{w['id']}", "/api/v1/dispatch", "/api/v1/pm-plans"):
        r = app_client.get(path, headers=auth)
        assert r.status_code in (403, 404), path  # the app keeps outsiders off staff routes
    # and the use cases refuse them on their own too (a command, or a route someone adds)
    from servitize.core.errors import PermissionDenied
    from servitize.service_work import service

    ctx = o.ctx(buyer)
    with pytest.raises(PermissionDenied, match="service organisation"):
        service.get(ctx, w["id"])
