"""A small field organisation with numbers known by hand, for the field tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from servitize.intelligence.models import Lead
from tests import builders as b

PASSWORD = "field-test-pass-1"


@dataclass
class Field:
    """Ids the tests look at."""

    olga: int
    tom: int
    tina: int
    sam: int
    acme: int
    southco: int
    press: int
    visit_tom: int
    visit_tina: int
    hose_check: int
    bearing_kit: int
    oil_analysis: int
    rule_lead: int


def rule_lead(session: Session, account_id: int, **kw: object) -> Lead:
    """An open lead as intelligence writes it."""
    values: dict[str, object] = {
        "account_id": account_id,
        "offering_key": "inspection",
        "asset_ids": [],
        "source": "rule",
        "rule": "repeat_repairs",
        "score": 0.8,
        "estimated_value_cents": 2_000_00,
        "currency": "EUR",
        "story": "Three spindle repairs in six months.",
        "evidence": {"repairs": 3},
        "status": "open",
        "as_of": date(2026, 11, 20),
        "expires_on": date(2027, 1, 19),
        **kw,
    }
    lead = Lead(**values)
    session.add(lead)
    session.flush()
    return lead


def seed(session: Session, today: date) -> Field:
    """olga owns Acme (north) and Southco (south); tom works north, tina south; sam manages north."""
    olga = b.user(
        session, username="olga", full_name="Olga Berger", role="account_owner", password=PASSWORD
    )
    tom = b.user(
        session,
        username="tom",
        full_name="Tom Keller",
        role="technician",
        territory="north",
        password=PASSWORD,
    )
    tina = b.user(
        session,
        username="tina",
        full_name="Tina Sauer",
        role="technician",
        territory="south",
        password=PASSWORD,
    )
    sam = b.user(
        session,
        username="sam",
        full_name="Sam Manager",
        role="service_manager",
        territory="north",
        password=PASSWORD,
    )
    acme = b.account(session, name="Acme Steel Works", owner_id=olga.id, territory="north")
    southco = b.account(session, name="Southco Foods", owner_id=olga.id, territory="south")
    site = b.site(session, acme, name="Duisburg mill", city="Duisburg")
    press = b.asset(
        session, acme, site_id=site.id, model="PX-900", serial="SN-900", coverage="none"
    )
    b.asset(session, southco, model="PX-100")
    for days in (20, 45, 80):
        b.service_event(
            session, press, day=today - timedelta(days=days), kind="repair", component="spindle"
        )
    hose = b.offering(
        session,
        name="Hydraulic hose check",
        family="inspection",
        list_price_cents=350_00,
        sign_up_eligible=True,
    )
    kit = b.offering(
        session,
        name="Spindle bearing kit",
        family="spare_parts",
        list_price_cents=1_200_00,
        sign_up_eligible=True,
    )
    oil = b.offering(
        session,
        name="Oil analysis",
        family="condition_monitoring",
        list_price_cents=180_00,
        sign_up_eligible=True,
    )
    b.offering(
        session,
        name="Full-service contract",
        family="maintenance_contract",
        list_price_cents=24_000_00,
    )
    v_tom = b.visit(session, tom, acme, day=today, site_id=site.id)
    v_tina = b.visit(session, tina, southco, day=today)
    lead = rule_lead(session, acme.id, offering_id=hose.id)
    return Field(
        olga.id,
        tom.id,
        tina.id,
        sam.id,
        acme.id,
        southco.id,
        press.id,
        v_tom.id,
        v_tina.id,
        hose.id,
        kit.id,
        oil.id,
        lead.id,
    )
