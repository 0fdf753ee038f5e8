"""Telemetry-based features, only for assets whose account consented to the purpose.

The ONE place intelligence reads telemetry: every operating-hours, utilisation, energy or
unplanned-stop number a feature, rule or story uses comes through ``consented_usage``, which
reads the telemetry store through ``telemetry.service.compute`` (the availability figures of
docs/telemetry.md) for the machines whose account has a valid agreement covering the purpose
(``service_offers`` by default) and the data kind ``usage``; energy also needs ``energy``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import ibis
import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.intelligence.records import empty, from_rows
from servitize.telemetry.availability import Period
from servitize.telemetry.consent import consenting_serials
from servitize.telemetry.records import assets_by_serial
from servitize.telemetry.service import Options, compute
from servitize.telemetry.store import TelemetryStore

USAGE_DAYS = 30
MIN_COVERAGE = 0.5  # a utilisation needs at least half of the window's hours known


def usage_period(as_of: date, days: int = USAGE_DAYS) -> Period:
    """The whole days (as_of - days, as_of] in UTC: the window usage figures cover."""
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
    return Period(end - timedelta(days=days), end)


def consented_usage(
    session: Session,
    as_of: date,
    purpose: str = "service_offers",
    *,
    store: TelemetryStore,
    days: int = USAGE_DAYS,
    min_coverage: float = MIN_COVERAGE,
    con: ibis.BaseBackend | None = None,
) -> pa.Table:
    """Per consenting asset over the ``days`` ending on ``as_of``: utilisation (running hours /
    known hours, null below ``min_coverage`` of the window known), energy (kWh), operating
    (running) hours, known hours and unplanned stops. Machines without consent are absent."""
    allowed = consenting_serials(session, purpose, "usage")
    if not allowed:
        return empty("usage")
    if not store.months("status"):
        return empty("usage")
    period = usage_period(as_of, days)
    keys = assets_by_serial(session)
    rows = []
    for r in compute(
        session,
        store,
        period,
        Options(purpose=purpose, use="lead_features"),
        serials=allowed,
        con=con,
    ):
        key, known, ran = keys.get(str(r["serial"])), r.get("known_hours"), r.get("running_hours")
        if key is None or not isinstance(known, int | float) or not known:
            continue
        running = float(ran) if isinstance(ran, int | float) else 0.0
        share = running / known if known >= min_coverage * period.hours else None
        rows.append((key.asset_id, share, r.get("energy_kwh"), running, known, r.get("failures")))
    return from_rows("usage", rows)
