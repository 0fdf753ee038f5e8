"""The remaining ways to see or do more than a role allows: each gap answers 404, 403 or 422.

A small world, built by hand: Acme (north, owned by olga, served by a southern dealer that
olga may not see), Borg (north, olga's too) and Southco (south, piet's); tom and tim are
technicians of the north, sam the north's service manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.field.models import LeadRoute
from servitize.field.service import route_new_leads
from servitize.installed_base.models import Account
from servitize.intelligence.models import Lead
from servitize.telemetry.store import TelemetryStore
from servitize.trust.audit import SYSTEM
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.telemetry.helpers import write_status

TODAY = date.today()


@dataclass
class World:
    """Ids and API headers of the people and records the tests look at."""

    acme: int
    borg: int
    southco: int
    dealer: int
    olga: int
    tom: int
    tim: int
    sam: int
    visit_tom: int
    southco_lead: int
    borg_lead: int
    headers: dict[str, dict[str, str]]


@pytest.fixture
def api(data_app_client):  # type: ignore[no-untyped-def]
    return data_app_client


@pytest.fixture
def world(session: Session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    olga = b.user(session, username="olga", role="account_owner")
    piet = b.user(session, username="piet", role="account_owner")
    tom = b.user(session, username="tom", role="technician", territory="north")
    tim = b.user(session, username="tim", role="technician", territory="north")
    sam = b.user(session, username="sam", role="service_manager", territory="north")
    admin = b.user(session, username="root", role="admin")
    dealer = b.account(
        session,
        name="Southern Dealer",
        kind="dealer",
        territory="south",
        owner_id=piet.id,
        employees=77,
    )
    acme = b.account(
        session, name="Acme Steel Works", territory="north", owner_id=olga.id, dealer_id=dealer.id
    )
    borg = b.account(session, name="Borg Packaging", territory="north", owner_id=olga.id)
    southco = b.account(session, name="Southco Foods", territory="south", owner_id=piet.id)
    b.asset(session, acme, serial="SN-NORTH")
    b.asset(session, southco, serial="SN-SOUTH")
    b.offering(
        session,
        name="Hydraulic hose check",
        family="inspection",
        list_price_cents=350_00,
        sign_up_eligible=True,
    )
    visit = b.visit(session, tom, acme, day=TODAY)
    leads = {}
    for account in (southco, borg):
        lead = Lead(
            account_id=account.id,
            offering_key="inspection",
            asset_ids=[],
            source="rule",
            rule="repeat_repairs",
            score=0.8,
            estimated_value_cents=2_000_00,
            currency="EUR",
            story="Three repairs.",
            evidence={},
            status="open",
            as_of=TODAY,
            expires_on=TODAY + timedelta(days=60),
        )
        session.add(lead)
        session.flush()
        leads[account.id] = lead.id
    headers = {
        u.username: {"Authorization": f"Bearer {issue_token(session, u)}"}
        for u in (olga, piet, tom, tim, sam, admin)
    }
    session.flush()
    return World(
        acme.id,
        borg.id,
        southco.id,
        dealer.id,
        olga.id,
        tom.id,
        tim.id,
        sam.id,
        visit.id,
        leads[southco.id],
        leads[borg.id],
        headers,
    )


# --- telemetry statistics ---------------------------------------------------------------------


def test_stats_show_a_territory_manager_only_the_serials_of_their_accounts(
    api, world, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    write_status(
        TelemetryStore(tmp_path / "telemetry"),
        [
            ("SN-NORTH", "2026-10-01T00:00", "running"),
            ("SN-NORTH", "2026-10-02T00:00", "down"),
            ("SN-SOUTH", "2026-10-01T00:00", "running"),
            ("SN-SOUTH", "2026-10-03T00:00", "down"),
            ("SN-SOUTH", "2026-10-04T00:00", "running"),
        ],
    )
    mine = api.get("/api/v1/telemetry/stats", headers=world.headers["sam"])
    assert mine.status_code == 200
    assert mine.json()["per_serial"] == {"SN-NORTH": {"status": 2, "measure": 0}}
    assert mine.json()["totals"] == {"status": 2, "measure": 0}
    everything = api.get("/api/v1/telemetry/stats", headers=world.headers["root"]).json()
    assert set(everything["per_serial"]) == {"SN-NORTH", "SN-SOUTH"}
    assert everything["totals"]["status"] == 5


# --- the account 360 and 404s that name nothing -----------------------------------------------


def test_the_360_names_a_dealer_out_of_scope_and_shows_nothing_more(api, world) -> None:  # type: ignore[no-untyped-def]
    view = api.get(f"/api/v1/accounts/{world.acme}", headers=world.headers["olga"])
    assert view.status_code == 200
    assert view.json()["dealer"] is None
    assert view.json()["dealer_name"] == "Southern Dealer"
    assert (
        api.get(f"/api/v1/accounts/{world.dealer}", headers=world.headers["olga"]).status_code
        == 404
    )
    full = api.get(f"/api/v1/accounts/{world.acme}", headers=world.headers["root"]).json()
    assert full["dealer"]["employees"] == 77 and full["dealer_name"] == "Southern Dealer"


def test_the_360_page_links_no_dealer_out_of_scope(client, session, world) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.passwords import hash_password
    from tests.web.conftest import log_in

    olga = session.get(User, world.olga)
    olga.password_hash = hash_password("olga-long-password")
    session.flush()
    log_in(client, "olga", "olga-long-password")
    page = client.get(f"/accounts/{world.acme}")
    assert page.status_code == 200
    assert "Served through dealer Southern Dealer" in page.text
    assert f'href="/accounts/{world.dealer}"' not in page.text


def test_a_contract_out_of_scope_answers_404_without_naming_its_account(
    api, session, world
) -> None:  # type: ignore[no-untyped-def]
    contract = AvailabilityContract(
        external_id="AC-SOUTH",
        account_id=world.southco,
        name="Southco uptime",
        target_pct=98.0,
        calendar={"kind": "24/7"},
        fee_cents=10_000_00,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(contract)
    session.flush()
    answer = api.get(
        f"/api/v1/contracts/{contract.id}/report?period=2026-10", headers=world.headers["olga"]
    )
    assert answer.status_code == 404
    assert answer.json()["detail"] == f"contract {contract.id} not found"
    missing = api.get(
        "/api/v1/contracts/987654321/report?period=2026-10", headers=world.headers["olga"]
    )
    assert missing.status_code == 404 and missing.json()["detail"] == "contract 987654321 not found"


# --- technicians read their own work ----------------------------------------------------------


def test_a_technician_reads_only_their_own_leads_sheets_and_visits(
    api, client, session, world
) -> None:  # type: ignore[no-untyped-def]
    tom, tim = world.headers["tom"], world.headers["tim"]
    report = api.post(
        "/api/v1/leads",
        headers=tom,
        json={"account_id": world.acme, "observation": "hose sweats", "estimated_value": 300},
    )
    assert report.status_code == 201 and report.json()["assigned_to"]["username"] == "tom"
    lead_id = report.json()["lead_id"]
    sheet = api.post(f"/api/v1/visits/{world.visit_tom}/sheets", headers=tom)
    assert sheet.status_code == 201
    # tom reads his own work
    assert api.get(f"/api/v1/leads/{lead_id}/route", headers=tom).status_code == 200
    assert api.get(f"/api/v1/leads/{lead_id}", headers=tom).status_code == 200
    assert api.get(f"/api/v1/sheets/{sheet.json()['id']}", headers=tom).status_code == 200
    assert lead_id in {x["id"] for x in api.get("/api/v1/leads", headers=tom).json()["items"]}
    # tim, a colleague of the same territory, reads none of it (nor the rule leads of Borg)
    assert api.get(f"/api/v1/leads/{lead_id}/route", headers=tim).status_code == 404
    assert api.get(f"/api/v1/leads/{lead_id}", headers=tim).status_code == 404
    assert api.get(f"/api/v1/sheets/{sheet.json()['id']}", headers=tim).status_code == 404
    assert api.get("/api/v1/leads", headers=tim).json()["items"] == []
    assert api.get(f"/api/v1/leads/{world.borg_lead}", headers=tim).status_code == 404
    # ... while the north's service manager reads them all
    sam = world.headers["sam"]
    assert api.get(f"/api/v1/leads/{lead_id}/route", headers=sam).status_code == 200
    assert api.get(f"/api/v1/sheets/{sheet.json()['id']}", headers=sam).status_code == 200
    # and the visit page of tom's visit is not tim's to read
    from servitize.trust.passwords import hash_password
    from tests.web.conftest import log_in

    session.get(User, world.tim).password_hash = hash_password("tim-long-password")
    session.flush()
    log_in(client, "tim", "tim-long-password")
    assert client.get(f"/visits/{world.visit_tom}").status_code == 404
    assert client.get(f"/sheets/{sheet.json()['id']}").status_code == 404
    assert client.get(f"/inbox/{lead_id}").status_code == 404
    field_part = client.get(f"/accounts/{world.acme}/field")
    assert field_part.status_code == 200 and f"/sheets/{sheet.json()['id']}" not in field_part.text


def test_a_technician_does_not_rate_their_own_visit(api, session, world) -> None:  # type: ignore[no-untyped-def]
    own = api.post(
        f"/api/v1/visits/{world.visit_tom}/feedback",
        headers=world.headers["tom"],
        json={"rating": 5},
    )
    assert own.status_code == 403
    from servitize.field.models import RecognitionPoint

    assert (
        session.scalar(select(RecognitionPoint).where(RecognitionPoint.user_id == world.tom))
        is None
    )
    office = api.post(
        f"/api/v1/visits/{world.visit_tom}/feedback",
        headers=world.headers["sam"],
        json={"rating": 5},
    )
    assert office.status_code == 201


# --- references must be visible and of the right kind -----------------------------------------


def test_an_opportunity_refuses_a_lead_of_another_account_or_out_of_sight(api, world) -> None:  # type: ignore[no-untyped-def]
    olga = world.headers["olga"]
    base = {"account_id": world.acme, "title": "Retrofit", "source": "lead"}
    unseen = api.post(
        "/api/v1/opportunities", headers=olga, json=base | {"lead_id": world.southco_lead}
    )
    assert unseen.status_code == 404 and "Southco" not in unseen.text
    other = api.post(
        "/api/v1/opportunities", headers=olga, json=base | {"lead_id": world.borg_lead}
    )
    assert other.status_code == 422 and "another account" in other.json()["detail"]
    right = api.post(
        "/api/v1/opportunities",
        headers=olga,
        json=base | {"account_id": world.borg, "lead_id": world.borg_lead},
    )
    assert right.status_code == 201, right.text


def test_an_opportunity_owner_sells(api, world) -> None:  # type: ignore[no-untyped-def]
    olga = world.headers["olga"]
    made = api.post(
        "/api/v1/opportunities",
        headers=olga,
        json={"account_id": world.acme, "title": "Retrofit", "owner_id": world.tom},
    )
    assert made.status_code == 422 and f"user {world.tom}" in made.json()["detail"]
    made = api.post(
        "/api/v1/opportunities", headers=olga, json={"account_id": world.acme, "title": "Retrofit"}
    )
    assert made.status_code == 201
    opp = made.json()["id"]
    for owner in (world.tom, 10**12):
        changed = api.patch(f"/api/v1/opportunities/{opp}", headers=olga, json={"owner_id": owner})
        assert changed.status_code == 422, (owner, changed.text)
    assert (
        api.patch(
            f"/api/v1/opportunities/{opp}", headers=olga, json={"owner_id": world.olga}
        ).status_code
        == 200
    )


def test_a_lead_report_names_only_a_visit_of_its_account(api, session, world) -> None:  # type: ignore[no-untyped-def]
    tom = world.headers["tom"]
    borg_visit = b.visit(
        session, session.get(User, world.tom), session.get(Account, world.borg), day=TODAY
    ).id
    tims_visit = b.visit(
        session, session.get(User, world.tim), session.get(Account, world.acme), day=TODAY
    ).id
    report = {"account_id": world.acme, "observation": "hose sweats", "estimated_value": 300}
    for visit in (borg_visit, tims_visit, 10**12):
        answer = api.post("/api/v1/leads", headers=tom, json=report | {"visit_id": visit})
        assert answer.status_code == 422, (visit, answer.text)
    assert (
        api.post(
            "/api/v1/leads", headers=tom, json=report | {"visit_id": world.visit_tom}
        ).status_code
        == 201
    )


def test_a_manager_sets_contests_for_their_own_region_only(api, world) -> None:  # type: ignore[no-untyped-def]
    month = TODAY.strftime("%Y-%m")
    contest = {"month": month, "title": "Most sign-ups", "prize": "Lunch with the CEO"}
    south = api.post(
        "/api/v1/contests", headers=world.headers["sam"], json=contest | {"region": "south"}
    )
    assert south.status_code == 422 and "north" in south.json()["detail"]
    nowhere = api.post(
        "/api/v1/contests", headers=world.headers["root"], json=contest | {"region": "atlantis"}
    )
    assert nowhere.status_code == 422 and "atlantis" in nowhere.json()["detail"]
    north = api.post(
        "/api/v1/contests", headers=world.headers["sam"], json=contest | {"region": "north"}
    )
    assert north.status_code == 201


# --- a dismissed lead leaves the inboxes ------------------------------------------------------


def test_a_lead_dismissed_through_the_lead_api_closes_its_route(api, session, world) -> None:  # type: ignore[no-untyped-def]
    olga = world.headers["olga"]
    routed = route_new_leads(session, SYSTEM, TODAY)
    assert routed["routed"] == 2  # Borg's lead to olga, Southco's to piet
    assert world.borg_lead in {
        i["lead_id"] for i in api.get("/api/v1/inbox", headers=olga).json()["items"]
    }
    done = api.post(
        f"/api/v1/leads/{world.borg_lead}/dismiss",
        headers=olga,
        json={"reason": "bought from a local workshop"},
    )
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert world.borg_lead not in {
        i["lead_id"] for i in api.get("/api/v1/inbox", headers=olga).json()["items"]
    }
    route = session.scalar(select(LeadRoute).where(LeadRoute.lead_id == world.borg_lead))
    session.refresh(route)
    assert route.stage == "dismissed" and route.close_reason == "bought from a local workshop"


def test_the_routing_batch_closes_the_routes_of_expired_leads(session, world) -> None:  # type: ignore[no-untyped-def]
    route_new_leads(session, SYSTEM, TODAY)
    session.get(Lead, world.southco_lead).status = "expired"
    session.flush()
    assert route_new_leads(session, SYSTEM, TODAY)["closed"] == 1
    route = session.scalar(select(LeadRoute).where(LeadRoute.lead_id == world.southco_lead))
    assert route.stage == "dismissed" and route.close_reason == "the lead expired"
