"""The field API through ``app_client``: report, route, clock, sheets, 404 outside the territory."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.field.conftest import token_for
from tests.field.seed import Field

SIG = "data:image/png;base64,iVBORw0KGgo="


def test_post_lead_answers_route_and_assignee(
    api: TestClient, session: Session, field: Field
) -> None:
    tom = token_for(session, field.tom)
    small = api.post(
        "/api/v1/leads",
        headers=tom,
        json={
            "account_id": field.acme,
            "asset_id": field.press,
            "observation": "hose sweats",
            "seen": "leak",
            "estimated_value": 1200,
        },
    )
    assert small.status_code == 201, small.text
    assert small.json()["route"] == "technician"
    assert small.json()["assigned_to"]["username"] == "tom"
    big = api.post(
        "/api/v1/leads",
        headers=tom,
        json={
            "account_id": field.acme,
            "offering_id": field.bearing_kit,
            "observation": "wants a retrofit of the line",
            "estimated_value": "25000",
        },
    )
    assert big.status_code == 201
    assert (big.json()["route"], big.json()["assigned_to"]["username"]) == ("account_owner", "olga")
    olga = token_for(session, field.olga)
    inbox = api.get("/api/v1/inbox", headers=olga).json()
    assert {i["lead_id"] for i in inbox["items"]} == {
        small.json()["lead_id"],
        big.json()["lead_id"],
    }
    acted = api.post(
        f"/api/v1/leads/{big.json()['lead_id']}/actions", headers=olga, json={"action": "act"}
    )
    assert acted.json()["stage"] == "actioned" and acted.json()["first_action_at"]


def test_lead_report_is_validated(api: TestClient, session: Session, field: Field) -> None:
    tom = token_for(session, field.tom)
    bad = api.post(
        "/api/v1/leads",
        headers=tom,
        json={"account_id": field.acme, "observation": "x", "estimated_value": -5, "seen": "ufo"},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"observation", "estimated_value", "seen"}


def test_other_territory_is_404_on_the_api(api: TestClient, session: Session, field: Field) -> None:
    tina = token_for(session, field.tina)
    tom = token_for(session, field.tom)
    sheet = api.post(f"/api/v1/visits/{field.visit_tina}/sheets", headers=tina)
    assert sheet.status_code == 201
    lead = api.post(
        "/api/v1/leads",
        headers=tina,
        json={"account_id": field.southco, "observation": "old conveyor", "estimated_value": 300},
    )
    assert lead.status_code == 201
    assert api.get(f"/api/v1/sheets/{sheet.json()['id']}", headers=tom).status_code == 404
    assert api.get(f"/api/v1/leads/{lead.json()['lead_id']}/route", headers=tom).status_code == 404
    assert (
        api.post(
            f"/api/v1/leads/{lead.json()['lead_id']}/actions",
            headers=tom,
            json={"action": "confirm"},
        ).status_code
        == 404
    )
    assert api.post(f"/api/v1/visits/{field.visit_tina}/sheets", headers=tom).status_code == 404
    assert (
        api.post(
            "/api/v1/leads",
            headers=tom,
            json={
                "account_id": field.southco,
                "observation": "old conveyor",
                "estimated_value": 300,
            },
        ).status_code
        == 404
    )


def test_sheet_signed_through_the_api_becomes_orders(
    api: TestClient, session: Session, field: Field
) -> None:
    tom = token_for(session, field.tom)
    sheet = api.post(f"/api/v1/visits/{field.visit_tom}/sheets", headers=tom).json()
    first = sheet["lines"][0]
    assert (first["name"], first["unit_price"]) == ("Hydraulic hose check", "350.00")
    unsigned = api.post(
        f"/api/v1/sheets/{sheet['id']}/sign",
        headers=tom,
        json={"line_ids": [first["id"]], "signer_name": "Hanna Vogt"},
    )
    assert unsigned.status_code == 422  # drawn on screen needs the drawing
    signed = api.post(
        f"/api/v1/sheets/{sheet['id']}/sign",
        headers=tom,
        json={"line_ids": [first["id"]], "signer_name": "Hanna Vogt", "signature": SIG},
    )
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed" and body["total_ticked"] == "350.00"
    assert body["lines"][0]["order_id"] and body["lines"][1]["order_id"] is None
    orders = api.get(f"/api/v1/accounts/{field.acme}", headers=tom).json()["purchases"]
    assert orders["orders"] == 1 and orders["amount"] == "350.00"
    board = api.get("/api/v1/leaderboard?region=north", headers=tom).json()
    # 20 for the sheet; its lead closes, but it was never routed, so nobody found it: no lead points
    assert board["standings"][0]["points"] == 20
    from servitize.intelligence.models import Lead

    assert session.get(Lead, field.rule_lead).status == "converted"


def test_visits_created_and_listed(api: TestClient, session: Session, field: Field) -> None:
    tom = token_for(session, field.tom)
    from datetime import date, timedelta

    day = (date.today() + timedelta(days=3)).isoformat()
    made = api.post(
        "/api/v1/visits",
        headers=tom,
        json={"account_id": field.acme, "day": day, "job_type": "inspection"},
    )
    assert made.status_code == 201 and made.json()["technician_id"] == field.tom
    listed = api.get("/api/v1/visits", headers=tom).json()
    assert [v["day"] for v in listed] == [date.today().isoformat(), day]
    other = api.post(
        "/api/v1/visits",
        headers=tom,
        json={"account_id": field.acme, "day": day, "technician_id": field.tina},
    )
    assert other.status_code == 403
