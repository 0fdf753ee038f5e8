"""Availability use cases: load telemetry and records, pass the consent gate, compute with Ibis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Asset, ServiceEvent
from servitize.telemetry import availability as av
from servitize.telemetry import rules
from servitize.telemetry.consent import consented, consenting_serials
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import quiet, to_arrow
from servitize.telemetry.store import TelemetryStore

PURPOSE = "contract_verification"
RESULT_FIELDS = ("serial", "availability", "downtime_hours", "planned_maintenance_hours",
                 "excluded_hours", "uptime_hours", "running_hours", "known_hours",
                 "scheduled_hours", "coverage", "failures", "mtbf_hours", "mttr_hours",
                 "energy_kwh", "energy_per_operating_hour")


@dataclass(frozen=True)
class Options:
    """How to compute: from status events or from service events, calendar, repair time."""

    source: str = "status"  # or "service_events"
    purpose: str = PURPOSE
    calendar: dict[str, object] | None = None
    horizon: timedelta = av.DEFAULT_HORIZON
    repair_hours: float = 8.0  # a failure whose record gives no downtime is down this long
    maintenance_hours: float = 4.0
    at: datetime | None = None  # when consent is checked; now by default


def _round(row: dict[str, object]) -> dict[str, object]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()}


def compute(session: Session, store: TelemetryStore, period: av.Period, options: Options = Options(),
            serials: list[str] | None = None, con: ibis.BaseBackend | None = None) -> list[dict[str, object]]:
    """Per serial availability and reliability for the period, only where consent allows."""
    own = con is None
    con = con or ibis.duckdb.connect()
    try:
        if options.source == "service_events":
            with quiet():
                status = con.create_table("service_intervals", service_event_intervals(
                    session, period, options), temp=True, overwrite=True)
            intervals = consented(session, status, options.purpose, "status", options.at)
        else:
            months = av.months_between(period.start - options.horizon, period.end)
            status = consented(session, store.table(con, "status", months), options.purpose,
                               "status", options.at)
            intervals = av.status_intervals(status, period, options.horizon)
        if serials is not None:
            intervals = intervals.filter(intervals.serial.isin(serials))
        records = records_table(downtime_in(session, period))
        if records.num_rows:
            intervals = av.overlay(intervals, ibis.memtable(records))
        windows = rules.calendar_windows(options.calendar or {"kind": "24/7"}, period.start, period.end)
        table = None if windows is None else pa.table({
            "ws": pa.array([w[0] for w in windows], TS), "we": pa.array([w[1] for w in windows], TS)})
        summary = av.summarize(intervals, period, table)
        measure = consented(session, store.table(con, "measure", av.months_between(period.start, period.end)),
                            options.purpose, "energy", options.at)
        result = av.with_energy(summary, av.energy(measure, period)).order_by("serial")
        rows = [_round({k: row.get(k) for k in RESULT_FIELDS}) for row in to_arrow(result).to_pylist()]
        # Assets the computation may see but that sent nothing: unknown, never 100 %.
        wanted = set(consenting_serials(session, options.purpose, "status", options.at))
        if serials is not None:
            wanted &= set(serials)
        seen = {r["serial"] for r in rows}
        rows += [{k: None for k in RESULT_FIELDS} | {"serial": s, "scheduled_hours": period.hours,
                                                     "coverage": 0.0} for s in wanted - seen]
        return sorted(rows, key=lambda r: str(r["serial"]))
    finally:
        if own:
            con.disconnect()


def service_event_intervals(session: Session, period: av.Period, options: Options) -> pa.Table:
    """Intervals from work orders alone: repairs are unplanned stops, maintenance planned ones.

    Each asset counts as running outside its recorded stops; a stop starts at 00:00 UTC of the
    work order's day and lasts its ``downtime_hours`` (or the configured default).
    """
    rows = session.execute(
        select(Asset.serial, ServiceEvent.day, ServiceEvent.kind, ServiceEvent.downtime_hours)
        .join(Asset, Asset.id == ServiceEvent.asset_id)
        .where(Asset.serial.is_not(None), ServiceEvent.kind.in_(("repair", "maintenance")))
        .order_by(Asset.serial, ServiceEvent.day)
    ).all()
    serials = sorted(set(session.scalars(select(Asset.serial).where(Asset.serial.is_not(None)))))
    stops: dict[str, list[tuple[datetime, datetime, str]]] = {s: [] for s in serials}
    for serial, day, kind, hours in rows:
        start = utc(datetime(day.year, day.month, day.day))
        default = options.repair_hours if kind == "repair" else options.maintenance_hours
        end = start + timedelta(hours=hours or default)
        if start < period.end and end > period.start:
            stops[serial].append((start, end, av.DOWN if kind == "repair" else av.PLANNED))
    out: dict[str, list[object]] = {"serial": [], "state": [], "s": [], "e": [], "new_stop": []}

    def add(serial: str, state: str, s: datetime, e: datetime, new: bool) -> None:
        for name, value in zip(out, (serial, state, s, e, new), strict=True):
            out[name].append(value)

    for serial, items in stops.items():
        cursor = period.start
        for s, e, state in items:
            if s > cursor:
                add(serial, "running", cursor, s, False)
            if e > cursor:
                add(serial, state, max(s, cursor), e, state == av.DOWN)
                cursor = e
        if cursor < period.end:
            add(serial, "running", cursor, period.end, False)
    return pa.table(out, schema=av.INTERVALS)


def status_from_table(con: ibis.BaseBackend, table: pa.Table) -> ir.Table:
    """An in-memory status table on a backend (tests, imports)."""
    with quiet():
        return con.create_table(f"status_{id(table)}", table, temp=True, overwrite=True)
