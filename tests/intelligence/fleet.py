"""A small built installed base whose features and rule hits are counted by hand below."""

from __future__ import annotations

from datetime import date

from servitize.core.settings import Settings
from servitize.intelligence.records import Records, load_records
from tests import builders as b

AS_OF = date(2026, 11, 23)


def build(session):  # type: ignore[no-untyped-def]
    """Two accounts; see each line's comment for what it should trigger."""
    owner = b.user(session, username="olga", role="account_owner")
    b.user(session, username="tim", role="technician", territory="north")
    cm = b.offering(
        session,
        external_id="D-CM",
        name="Condition monitoring",
        family="condition_monitoring",
        shell="digital_service",
        revenue_model="subscription",
        list_price_cents=45_00,
    )
    pm = b.offering(
        session,
        external_id="S-PM",
        name="Preventive maintenance contract",
        family="maintenance_contract",
        list_price_cents=1_400_00,
    )
    parts = b.offering(
        session,
        external_id="P-SEAL",
        name="Seal kit",
        family="spare_parts",
        shell="spare_parts",
        revenue_model="one_time",
        list_price_cents=380_00,
    )
    acme = b.account(
        session,
        name="Acme Foods",
        owner_id=owner.id,
        territory="north",
        country="SE",
        ownership_type="listed",
        volume=4,
        profitability_potential=4,
        technical_risk=2,
        country_risk=1,
        relationship_quality=5,
    )
    # P-104: 3 seal repairs within 6 months (41 h downtime) + 1 bearing repair 10 months ago.
    pump = b.asset(
        session,
        acme,
        external_id="P-104",
        product_line="pumps",
        model="HP-80",
        install_date=date(2019, 5, 1),
        connectivity="none",
    )
    for day, hours in (
        (date(2026, 6, 10), 12.0),
        (date(2026, 8, 20), 15.0),
        (date(2026, 11, 2), 14.0),
    ):
        b.service_event(
            session, pump, component="seal", day=day, downtime_hours=hours, parts_cost_cents=380_00
        )
    b.service_event(
        session,
        pump,
        component="bearing",
        day=date(2026, 1, 20),
        downtime_hours=4.0,
        parts_cost_cents=520_00,
    )
    b.service_event(session, pump, kind="maintenance", day=date(2025, 10, 1))  # > 12 months
    # An old compressor: 24.9 years, past the 15-year typical life.
    b.asset(
        session,
        acme,
        external_id="C-7",
        product_line="compressors",
        install_date=date(2002, 1, 1),
        connectivity="legacy",
    )
    # Warranty ends in 38 days.
    b.asset(
        session,
        acme,
        external_id="F-1",
        product_line="fillers",
        install_date=date(2024, 12, 31),
        warranty_end=date(2026, 12, 31),
        connectivity="current",
        coverage="maintenance",
        contract_end=date(2028, 1, 1),
    )
    # A competitor machine: 1 of 4 = 25 % of the base.
    b.asset(
        session,
        acme,
        external_id="X-9",
        origin="competitor",
        competitor="RivalCo",
        install_date=date(2015, 1, 1),
    )
    b.order(session, acme, parts, day=date(2026, 2, 1), amount_cents=1_000_00)
    b.order(session, acme, cm, day=date(2025, 3, 1), amount_cents=540_00)
    # Beta: one machine, last purchase 2 years ago: drifted.
    beta = b.account(session, name="Beta Mining", country="IN", ownership_type="family")
    b.asset(session, beta, external_id="B-1", install_date=date(2021, 1, 1))
    b.order(session, beta, pm, day=date(2024, 11, 1), amount_cents=1_400_00)
    session.flush()
    return {"acme": acme, "beta": beta, "pump": pump, "cm": cm, "pm": pm, "parts": parts}


def records_of(session) -> Records:  # type: ignore[no-untyped-def]
    """The records the features read, loaded as the batch loads them with the configured
    company currency and connectivity offerings; list prices at today's rates."""
    settings = Settings()
    return load_records(
        session,
        settings.company_currency,
        settings.intelligence.connectivity_offerings,
        date.today(),
    )
