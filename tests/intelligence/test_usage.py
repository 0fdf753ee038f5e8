"""Consented telemetry feeds usage features and the high-utilisation lead; no consent, no lead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest

from servitize.core.settings import Settings
from servitize.intelligence.models import Lead
from servitize.intelligence.service import generate_leads
from servitize.intelligence.usage import consented_usage
from servitize.telemetry import consent
from servitize.telemetry.store import SCHEMAS, TelemetryStore
from servitize.trust.audit import Actor
from tests import builders as b

AS_OF = date(2026, 11, 23)
ACTOR = Actor("test")


def _write_days(store: TelemetryStore, serial: str) -> None:
    """30 days (2026-10-25 .. 2026-11-23) running 00:00-20:00 and idle 20:00-24:00, one
    2-hour unplanned stop on 2026-11-10 from 08:00: 598 running hours of 720 known."""
    rows = []
    day = datetime(2026, 10, 25, tzinfo=UTC)
    while day <= datetime(2026, 11, 24, tzinfo=UTC):
        rows.append((day, "running"))
        if day.date() == date(2026, 11, 10):
            rows += [(day + timedelta(hours=8), "down"), (day + timedelta(hours=10), "running")]
        rows.append((day + timedelta(hours=20), "idle"))
        day += timedelta(days=1)
    rows = [r for r in rows if r[0] <= datetime(2026, 11, 24, tzinfo=UTC)]
    n = len(rows)
    store.append(
        pa.table(
            {
                "serial": [serial] * n,
                "ts": [t for t, _ in rows],
                "state": [s for _, s in rows],
                "reason": [None] * n,
                "received_at": [t for t, _ in rows],
                "source": ["test"] * n,
            },
            schema=SCHEMAS["status"],
        ),
        "status",
    )
    energy = [(datetime(2026, 11, d, 12, tzinfo=UTC), 100.0) for d in range(1, 11)]
    store.append(
        pa.table(
            {
                "serial": [serial] * len(energy),
                "ts": [t for t, _ in energy],
                "metric": ["energy_kwh"] * len(energy),
                "value": [v for _, v in energy],
                "unit": ["kWh"] * len(energy),
                "received_at": [t for t, _ in energy],
                "source": ["test"] * len(energy),
            },
            schema=SCHEMAS["measure"],
        ),
        "measure",
    )


@pytest.fixture
def busy(session, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    store = TelemetryStore(Settings().telemetry_dir)
    acc = b.account(session, name="Busy Bakery")
    b.offering(
        session,
        external_id="S-PM",
        name="Preventive maintenance contract",
        family="maintenance_contract",
        list_price_cents=1_400_00,
    )
    oven = b.asset(
        session,
        acc,
        external_id="OV-1",
        serial="OV-1",
        product_line="ovens",
        connectivity="current",
    )
    _write_days(store, "OV-1")
    session.flush()
    return acc, oven, store


def _grant(session, acc, purposes):  # type: ignore[no-untyped-def]
    consent.record_agreement(
        session,
        ACTOR,
        acc.id,
        ["status", "usage", "energy"],
        purposes,
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_consented_usage_reads_the_store(session, busy) -> None:  # type: ignore[no-untyped-def]
    acc, oven, store = busy
    _grant(session, acc, ["service_offers"])
    rows = consented_usage(session, AS_OF, store=store).to_pylist()
    assert len(rows) == 1 and rows[0]["asset_id"] == oven.id
    assert rows[0]["operating_hours"] == pytest.approx(30 * 20 - 2)  # 598 h running
    assert rows[0]["known_hours"] == pytest.approx(720.0)
    assert rows[0]["utilisation"] == pytest.approx(598 / 720)
    assert rows[0]["unplanned_stops"] == 1
    assert rows[0]["energy_kwh"] == pytest.approx(1000.0)


def test_high_utilisation_lead_fires_with_consent_and_names_the_hours(session, busy) -> None:  # type: ignore[no-untyped-def]
    acc, _oven, _store = busy
    _grant(session, acc, ["service_offers"])
    generate_leads(session, AS_OF, use_model=False)
    lead = session.query(Lead).filter(Lead.rule == "high_utilisation_no_contract").one()
    assert lead.account_id == acc.id and lead.offering_key == "maintenance_contract"
    assert lead.story == (
        "Oven OV-1 ran 598 hours of 720 hours with telemetry in the last month (83%), used "
        "1,000 kWh, with one unplanned stop and no maintenance contract. Preventive "
        "maintenance contract protects that output."
    )


@pytest.mark.parametrize("purposes", [None, ["contract_verification"]])
def test_no_lead_without_service_offers_consent(session, busy, purposes) -> None:  # type: ignore[no-untyped-def]
    acc, _oven, store = busy
    if purposes:
        _grant(session, acc, purposes)
    assert consented_usage(session, AS_OF, store=store).num_rows == 0
    generate_leads(session, AS_OF, use_model=False)
    assert session.query(Lead).filter(Lead.rule == "high_utilisation_no_contract").count() == 0
