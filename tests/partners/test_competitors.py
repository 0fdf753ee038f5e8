"""The competitor master: share of the installed base worked out by hand, the same numbers on
the API, the page, the CSV and the account 360's panel; win/loss; the alert when a competitor
appears at an account where it was not before; an opportunity's SWOT lines; bad input named."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.partners.models import CompetitorAlert
from servitize.sales.models import Outcome
from tests import builders as b
from tests.partners import world as w

KESSLER = {
    "name": "Kessler",
    "type": "machine_manufacturer",
    "products": "hydraulic presses",
    "aliases": ["Kessler Maschinenbau"],
}


def _base(session: Session) -> dict[str, Any]:
    """X: 6 own machines, 3 'Kessler GmbH', 1 'Kessler Maschinenbau' (10); Y: 2 own, 2 'Norder
    Tech' (4); 1 machine of a name nobody answers to at Y ('Unknown Works')."""
    owner = b.user(session, role="account_owner")
    x = b.account(session, name="X Press", owner_id=owner.id)
    y = b.account(session, name="Y Forming")
    for _ in range(6):
        b.asset(session, x)
    for _ in range(3):
        b.asset(session, x, origin="competitor", competitor="Kessler GmbH")
    b.asset(session, x, origin="competitor", competitor=None, manufacturer="Kessler Maschinenbau")
    for _ in range(2):
        b.asset(session, y)
        b.asset(session, y, origin="competitor", competitor="Norder Tech")
    b.asset(session, y, origin="competitor", competitor="Unknown Works")
    return {"owner": owner, "x": x, "y": y}


def test_share_of_the_installed_base_by_hand(session: Session, app_client: Any) -> None:
    d = _base(session)
    admin = w.auth(session, b.user(session, role="admin"))
    r = app_client.post("/api/v1/competitors", json=KESSLER, headers=admin)
    assert r.status_code == 201, r.text
    r = app_client.post(
        "/api/v1/competitors",
        json={"name": "Norder Tech", "type": "service_start_up"},
        headers=admin,
    )
    assert r.status_code == 201
    data = app_client.get("/api/v1/competitors", headers=admin).json()
    # all machines: X 10 + Y 5 = 15; Kessler 4 (3 + 1 by alias) = 26.7 %; Norder 2 = 13.3 %
    assert data["machines"] == 15
    rows = {c["name"]: c for c in data["competitors"]}
    assert (rows["Kessler"]["machines"], rows["Kessler"]["share"]) == (4, round(4 / 15, 4))
    assert (rows["Norder Tech"]["machines"], rows["Norder Tech"]["share"]) == (2, round(2 / 15, 4))
    assert rows["Kessler"]["accounts"] == 1
    # by type: the machine manufacturer first
    assert [c["name"] for c in data["competitors"]] == ["Kessler", "Norder Tech"]

    page = app_client.get("/competitors", headers=admin).text
    assert "26.7 %" in page and "13.3 %" in page and "Unknown Works" in page
    table = list(
        csv.DictReader(io.StringIO(app_client.get("/competitors.csv", headers=admin).text))
    )
    assert [(t["name"], t["machines"], t["of_machines"], t["share_percent"]) for t in table] == [
        ("Kessler", "4", "15", "26.7"),
        ("Norder Tech", "2", "15", "13.3"),
    ]
    assert (
        app_client.get("/api/v1/competitors.csv", headers=admin).text
        == app_client.get("/competitors.csv", headers=admin).text
    )
    # at X: Kessler holds 4 of 10 = 40 %; ours 6
    panel = app_client.get(f"/api/v1/accounts/{d['x'].id}/competitors", headers=admin).json()
    assert [
        (c["name"], c["machines"], c["of_machines"], c["share"]) for c in panel["competitors"]
    ] == [("Kessler", 4, 10, 0.4)]
    fragment = app_client.get(f"/accounts/{d['x'].id}/competitors-panel", headers=admin).text
    assert "4 of 10 · 40.0 %" in fragment
    # at Y: Norder 2 of 5 = 40 %, and one machine of a name the master does not know
    panel = app_client.get(f"/api/v1/accounts/{d['y'].id}/competitors", headers=admin).json()
    assert [(c["name"], c["machines"], c["of_machines"]) for c in panel["competitors"]] == [
        ("Norder Tech", 2, 5)
    ]
    assert panel["unmatched_names"] == {"Unknown Works": 1}
    detail = app_client.get(f"/api/v1/competitors/{rows['Kessler']['id']}", headers=admin).json()
    assert [(s["account_name"], s["machines"], s["share"]) for s in detail["installed_base"]] == [
        ("X Press", 4, 0.4)
    ]
    # the account owner sees only X: the shares are of X's 10 machines
    mine = app_client.get("/api/v1/competitors", headers=w.auth(session, d["owner"])).json()
    assert mine["machines"] == 10
    assert {c["name"]: c["machines"] for c in mine["competitors"]} == {
        "Kessler": 4,
        "Norder Tech": 0,
    }


def test_an_alert_when_a_competitor_appears_where_it_was_not(
    session: Session, app_client: Any
) -> None:
    d = _base(session)
    admin = w.auth(session, b.user(session, role="admin"))
    kessler = app_client.post("/api/v1/competitors", json=KESSLER, headers=admin).json()
    # adding the competitor remembers X quietly: that is a new name for old machines
    assert session.scalars(select(CompetitorAlert)).all() == []
    body = {
        "kind": "price",
        "observed_on": "2026-11-02",
        "source": "Y's buyer",
        "account_id": d["y"].id,
        "detail": "10 % below us",
    }
    r = app_client.post(f"/api/v1/competitors/{kessler['id']}/actions", json=body, headers=admin)
    assert r.status_code == 201, r.text
    alerts = app_client.get("/api/v1/competitor-alerts", headers=admin).json()
    assert [(a["account_name"], a["competitor"], a["via"]) for a in alerts] == [
        ("Y Forming", "Kessler", "action")
    ]
    # a second action at Y: it is known there now, no second alert
    app_client.post(f"/api/v1/competitors/{kessler['id']}/actions", json=body, headers=admin)
    assert len(app_client.get("/api/v1/competitor-alerts", headers=admin).json()) == 1
    # an action at X, where its machines stand: no alert
    app_client.post(
        f"/api/v1/competitors/{kessler['id']}/actions",
        json={**body, "account_id": d["x"].id},
        headers=admin,
    )
    assert len(app_client.get("/api/v1/competitor-alerts", headers=admin).json()) == 1

    # machines imported at a new account Z: the scan raises one alert, a second scan none
    z_owner = b.user(session, role="account_owner")
    z = b.account(session, name="Z Stamping", owner_id=z_owner.id)
    b.asset(session, z, origin="competitor", competitor="KESSLER gmbh.")
    r = app_client.post("/api/v1/competitor-alerts/scan", headers=admin)
    assert r.json()["raised"] == 1
    assert app_client.post("/api/v1/competitor-alerts/scan", headers=admin).json()["raised"] == 0
    # Z's owner learns of it (their alerts), X's owner does not see Z's alert
    seen_by_z = app_client.get(
        "/api/v1/competitor-alerts?unseen=true", headers=w.auth(session, z_owner)
    ).json()
    assert [(a["account_name"], a["via"]) for a in seen_by_z] == [("Z Stamping", "machines")]
    assert (
        app_client.get("/api/v1/competitor-alerts", headers=w.auth(session, d["owner"])).json()
        == []
    )
    panel = app_client.get(
        f"/accounts/{z.id}/competitors-panel", headers=w.auth(session, z_owner)
    ).text
    assert "Kessler appeared" in panel
    # read: it leaves the unread list
    alert_id = seen_by_z[0]["id"]
    r = app_client.post(
        f"/api/v1/competitor-alerts/{alert_id}/seen", headers=w.auth(session, z_owner)
    )
    assert r.status_code == 200
    assert (
        app_client.get(
            "/api/v1/competitor-alerts?unseen=true", headers=w.auth(session, z_owner)
        ).json()
        == []
    )
    # another owner cannot read it: 404
    r = app_client.post(
        f"/api/v1/competitor-alerts/{alert_id}/seen", headers=w.auth(session, d["owner"])
    )
    assert r.status_code == 404
    page = app_client.get("/competitors/alerts", headers=admin)
    assert page.status_code == 200 and "Z Stamping" in page.text and "Y Forming" in page.text


def test_win_loss_and_swot_lines(session: Session, app_client: Any) -> None:
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    me = w.auth(session, owner)
    kessler = w.competitor(session, "Kessler", aliases=["Kessler Maschinenbau"])
    w.competitor(session, "Norder Tech", "service_start_up")
    won = w.opportunity(session, account, owner, status="won", phase=4)
    lost = w.opportunity(session, account, owner, status="lost", phase=3)
    lost_too = w.opportunity(session, account, owner, status="lost", phase=2)
    still_open = w.opportunity(session, account, owner)
    swot = {
        "competitor_id": kessler.id,
        "strengths": "price",
        "weaknesses": "no remote service",
        "opportunities": "uptime contract",
        "threats": "local dealer",
    }
    for opp in (won, lost, still_open):
        r = app_client.post(f"/api/v1/opportunities/{opp.id}/competitors", json=swot, headers=me)
        assert r.status_code == 200, r.text
    # the lost one names Kessler in its win/loss record too: counted once
    for opp in (lost, lost_too):
        session.add(
            Outcome(
                opportunity_id=opp.id,
                result="lost",
                reasons=["price"],
                competitor="kessler maschinenbau",
                recorded_by="t",
            )
        )
    session.flush()
    row = app_client.get(f"/api/v1/competitors/{kessler.id}", headers=me).json()
    assert (row["won"], row["lost"]) == (1, 2)
    lines = app_client.get(f"/api/v1/opportunities/{won.id}/competitors", headers=me).json()
    assert [(x["name"], x["strengths"], x["threats"]) for x in lines] == [
        ("Kessler", "price", "local dealer")
    ]
    # change the line through the page's form (HTMX answers the panel)
    r = app_client.post(
        f"/opportunities/{won.id}/competitors",
        data={"competitor_id": str(kessler.id), "strengths": "speed"},
        headers=me | {"HX-Request": "true"},
    )
    assert r.status_code == 200 and "speed" in r.text and 'id="opp-ecosystem"' in r.text
    r = app_client.post(
        f"/opportunities/{won.id}/competitors",
        data={"competitor_id": ""},
        headers=me | {"HX-Request": "true"},
    )
    assert "competitor_id" in r.text
    r = app_client.post(
        f"/api/v1/opportunities/{won.id}/competitors", json={"competitor_id": 10**9}, headers=me
    )
    assert r.status_code == 422 and "competitor_id" in r.text


def test_bad_input_names_the_field(session: Session, app_client: Any) -> None:
    admin = w.auth(session, b.user(session, role="admin"))
    kessler = app_client.post("/api/v1/competitors", json=KESSLER, headers=admin).json()
    for body, field in (
        ({**KESSLER, "name": "A", "type": "reseller"}, "type"),
        ({**KESSLER, "name": "B", "aliases": ["KESSLER MASCHINENBAU"]}, "aliases"),
        ({**KESSLER, "name": "Kessler GmbH", "aliases": []}, "name"),
        ({**KESSLER, "name": ""}, "name"),
    ):
        r = app_client.post("/api/v1/competitors", json=body, headers=admin)
        assert r.status_code == 422 and field in r.text, (field, r.text)
    action = {"kind": "offer", "observed_on": "2026-11-02", "source": "fair"}
    for body, field in (
        ({**action, "kind": "rumour"}, "kind"),
        ({**action, "observed_on": "2026-13-01"}, "observed_on"),
        ({**action, "source": ""}, "source"),
        ({**action, "account_id": 10**12}, "account_id"),
    ):
        r = app_client.post(
            f"/api/v1/competitors/{kessler['id']}/actions", json=body, headers=admin
        )
        assert r.status_code == 422 and field in r.text, (field, r.text)
    r = app_client.post(
        f"/competitors/{kessler['id']}/actions",
        data={**action, "observed_on": "yesterday"},
        headers=admin,
    )
    assert r.status_code == 422 and "observed_on" in r.text
    assert app_client.get("/api/v1/competitors?type=nonsense", headers=admin).status_code == 422
    assert app_client.get("/api/v1/competitors/999999", headers=admin).status_code == 404
    # the page: a form that adds, and one that records, each naming what is wrong
    r = app_client.post(
        "/competitors",
        data={"name": "Rival", "type": "service_start_up", "aliases": "Rival Ltd\nRival Ltd"},
        headers=admin,
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = app_client.get(r.headers["location"], headers=admin)
    assert "Rival" in page.text and "Service start-up" in page.text
