"""A small, realistic manufacturer for page and browser tests, with numbers known by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tests import builders as b

PASSWORD = "correct horse battery"


@dataclass
class Seeded:
    """Ids of the records the tests look at."""

    owner_id: int
    acme_id: int
    borg_id: int
    northwind_id: int
    hidden_id: int
    acme_press_id: int


def seed(session: Session, today: date | None = None) -> Seeded:
    """Users olga (owner), tom (technician, north), ada (admin); four accounts."""
    today = today or date.today()
    olga = b.user(
        session, username="olga", full_name="Olga Berger", role="account_owner", password=PASSWORD
    )
    other = b.user(session, username="piet", full_name="Piet de Vries", role="account_owner")
    tom = b.user(
        session,
        username="tom",
        full_name="Tom Keller",
        role="technician",
        territory="north",
        password=PASSWORD,
    )
    b.user(session, username="ada", full_name="Ada Admin", role="admin", password=PASSWORD)
    acme = b.account(
        session,
        name="Acme Steel Works",
        owner_id=olga.id,
        industry="steel",
        country="DE",
        territory="north",
        employees=2400,
        turnover_cents=58_000_000_000,
        ownership_type="family",
        volume=5,
        profitability_potential=4,
        technical_risk=2,
        country_risk=1,
        relationship_quality=4,
    )
    borg = b.account(
        session,
        name="Borg Packaging",
        owner_id=olga.id,
        industry="packaging",
        country="NL",
        territory="west",
        volume=2,
        profitability_potential=3,
    )
    northwind = b.account(
        session,
        name="Northwind Foods",
        owner_id=other.id,
        industry="food",
        country="DK",
        territory="north",
        volume=3,
    )
    hidden = b.account(
        session,
        name="Hidden Chemicals",
        owner_id=other.id,
        industry="chemicals",
        country="FR",
        territory="south",
    )
    b.visit(session, tom, borg, day=today + timedelta(days=2))

    for name, role, title in [
        ("Hanna Vogt", "decision_maker", "Plant director"),
        ("Jonas Weber", "decision_maker", "CFO"),
        ("Lena Fischer", "technical", "Head of maintenance"),
        ("Marco Rossi", "procurement", "Buyer"),
        ("Sven Ott", "user", "Shift lead"),
    ]:
        b.contact(
            session,
            acme,
            name=name,
            buying_role=role,
            title=title,
            email=f"{name.split()[0].lower()}@acme.example",
        )
    duisburg = b.site(session, acme, name="Duisburg mill", city="Duisburg")
    bochum = b.site(session, acme, name="Bochum rolling", city="Bochum")

    press = b.asset(
        session,
        acme,
        site_id=duisburg.id,
        model="PX-900",
        product_line="presses",
        install_date=today - timedelta(days=365 * 3),
        connectivity="current",
        warranty_end=today + timedelta(days=200),
        manufacturer="Servitize AG",
    )
    for i in range(5):  # a line of five own legacy machines, out of warranty, on contract
        b.asset(
            session,
            acme,
            site_id=duisburg.id,
            parent_id=press.id,
            model="PX-200",
            product_line="presses",
            install_date=today - timedelta(days=365 * (8 + i)),
            connectivity="legacy",
            coverage="maintenance",
            contract_end=today + timedelta(days=90),
        )
    for i in range(4):  # old competitor machines without sensors
        b.asset(
            session,
            acme,
            site_id=bochum.id,
            origin="competitor",
            competitor="Rival GmbH",
            model=f"RV-{i}",
            product_line="rolling",
            install_date=today - timedelta(days=365 * (22 + i)),
        )
    b.asset(session, acme, serial=None, model=None, install_date=None)  # one to fix
    for day, kind, comp, cost, down in [
        (20, "repair", "spindle", 1_250_00, 6.0),
        (45, "repair", "spindle", 980_00, 4.5),
        (80, "maintenance", "hydraulics", 300_00, 2.0),
        (200, "inspection", None, 0, 0.0),
        (500, "repair", "spindle", 700_00, 3.0),  # older than 12 months: not counted
    ]:
        b.service_event(
            session,
            press,
            day=today - timedelta(days=day),
            kind=kind,
            component=comp,
            parts_cost_cents=cost,
            downtime_hours=down,
            labour_hours=4.0,
            technician_id=tom.id,
        )
    b.asset(session, northwind, model="PX-200")
    b.asset(session, borg, model="PX-300")
    return Seeded(olga.id, acme.id, borg.id, northwind.id, hidden.id, press.id)


# What the account 360 of Acme must show, counted by hand from seed() above.
ACME_ASSETS = 11  # 1 press + 5 line machines + 4 competitor + 1 incomplete
ACME_OWN = 7
ACME_COMPETITOR = 4
ACME_CONTACTS = 5
ACME_EVENTS_12M = 4
ACME_DOWNTIME_12M = "10.5"  # unplanned: the two spindle repairs; the 2-h maintenance apart
