"""Availability use cases: load telemetry and records, pass the consent gate, compute with Ibis."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput
from servitize.installed_base import repository as installed_base
from servitize.telemetry import availability as av
from servitize.telemetry import duck, rules
from servitize.telemetry.consent import (
    consented,
    consenting_accounts,
    consenting_machines,
    consenting_serials,
)
from servitize.telemetry.consent_usage import record_use
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import quiet, to_arrow
from servitize.telemetry.gaps import find_gaps
from servitize.telemetry.store import TelemetryStore

PURPOSE = "contract_verification"
RESULT_FIELDS = (
    "serial",
    "availability",
    "downtime_hours",
    "planned_maintenance_hours",
    "excluded_hours",
    "uptime_hours",
    "running_hours",
    "known_hours",
    "scheduled_hours",
    "coverage",
    "failures",
    "mtbf_hours",
    "mttr_hours",
    "energy_kwh",
    "energy_per_operating_hour",
)


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
    silence_after_down: str = av.SILENCE_DOWN  # a silent ``down`` holds until the next event
    # a machine silent longer than this has a gap (0: only sequence gaps); the edge passes
    # the setting SERVITIZE_TELEMETRY_EXPECTED_INTERVAL_S
    expected_interval_s: int = 0
    # which computation this is, in the accounts' record of use (consent_rules.COMPUTATIONS)
    use: str = "availability_evaluation"


def _round(row: dict[str, object]) -> dict[str, object]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()}


def scheduled_hours(period: av.Period, calendar: dict[str, object] | None) -> float:
    """Scheduled hours of a period under a calendar (24/7 by default)."""
    windows = rules.calendar_windows(calendar or {"kind": "24/7"}, period.start, period.end)
    return (
        period.hours
        if windows is None
        else sum(
            max((min(we, period.end) - max(ws, period.start)).total_seconds(), 0.0) / 3600
            for ws, we in windows
        )
    )


def compute(
    session: Session,
    store: TelemetryStore,
    period: av.Period,
    options: Options = Options(),
    serials: list[str] | None = None,
    con: ibis.BaseBackend | None = None,
    account_ids: Collection[int] | None = None,
) -> list[dict[str, object]]:
    """Per serial availability and reliability for the period, only where consent allows.

    Only the assets of consenting accounts (of ``account_ids`` when given) whose serial is in
    ``serials`` (when given) are read: their status events, downtime records and energy, and
    nothing of any other machine.
    """
    if options.silence_after_down not in av.SILENCE_RULES:
        raise InvalidInput(f"silence after down must be one of {', '.join(av.SILENCE_RULES)}")
    machines = consenting_machines(session, options.purpose, "status", options.at, account_ids)
    if serials is not None:
        asked = set(serials)  # once, not per asset
        machines = [m for m in machines if m.serial in asked]
    assets = sorted((m.asset_id, m.serial) for m in machines)
    wanted = sorted({s for _i, s in assets})
    own = con is None
    con = con or duck.backend()  # a cursor of the process's database, its own for this call
    try:
        if options.source == "service_events":
            with quiet():
                status = con.create_table(
                    "service_intervals",
                    service_event_intervals(session, period, options, [i for i, _s in assets]),
                    temp=True,
                    overwrite=True,
                )
            intervals = consented(
                session, status, options.purpose, "status", options.at, serials=wanted
            )
        else:
            # ``wanted`` comes from the consent worked out above: the gate needs no second one
            intervals = telemetry_intervals(
                session, store, con, period, options, wanted, allowed=wanted
            )
        intervals = only_serials(intervals, wanted)
        records = records_table(downtime_in(session, period, [i for i, _s in assets]))
        if records.num_rows:
            intervals = av.overlay(intervals, ibis.memtable(records))
        windows = rules.calendar_windows(
            options.calendar or {"kind": "24/7"}, period.start, period.end
        )
        table = (
            None
            if windows is None
            else pa.table(
                {
                    "ws": pa.array([w[0] for w in windows], TS),
                    "we": pa.array([w[1] for w in windows], TS),
                }
            )
        )
        summary = av.summarize(intervals, period, table)
        measure = consented(
            session,
            store.table(con, "measure", av.months_between(period.start, period.end)),
            options.purpose,
            "energy",
            options.at,
        )
        measure = only_serials(measure, wanted)
        result = av.with_energy(summary, av.energy(measure, period)).order_by("serial")
        rows = [
            _round({k: row.get(k) for k in RESULT_FIELDS}) for row in to_arrow(result).to_pylist()
        ]
        # Assets the computation may see but that sent nothing: unknown, never 100 %.
        seen = {r["serial"] for r in rows}
        hours = round(scheduled_hours(period, options.calendar), 6)
        rows += [
            dict.fromkeys(RESULT_FIELDS)
            | {"serial": s, "scheduled_hours": hours, "known_hours": 0.0, "coverage": 0.0}
            for s in set(wanted) - seen
        ]
        # noted once the data is read, so the row is held only until the caller commits
        record_use(session, options.purpose, options.use, {m.account_id for m in machines})
        return sorted(rows, key=lambda r: str(r["serial"]))
    finally:
        if own:
            con.disconnect()


def only_serials(table: ir.Table, wanted: list[str]) -> ir.Table:
    """The rows of the wanted serials: a list of literals when it is short, a semi-join on a
    table of them when it is long (thousands of literals are slow to compile and to run)."""
    if len(wanted) <= 200:
        return table.filter(table.serial.isin(wanted or [""]))
    keep = ibis.memtable(pa.table({"serial": pa.array(wanted, pa.string())}))
    return table.semi_join(keep, table.serial == keep.serial)


def telemetry_intervals(
    session: Session,
    store: TelemetryStore,
    con: ibis.BaseBackend,
    period: av.Period,
    options: Options,
    wanted: list[str],
    allowed: Collection[str] | None = None,
) -> ir.Table:
    """Status intervals of the ``wanted`` machines under their agreements, telemetry gaps cut out.

    The one source of status time for availability and for a contract's evidence: each state until
    the next event (``av.status_intervals``), and a gap's time unknown (``av.without_gaps``).
    ``allowed``: the serials consenting to status data for the purpose at the moment, when the
    caller has just worked them out (see ``consent.consented``); otherwise worked out once here.
    """
    if allowed is None:
        allowed = consenting_serials(session, options.purpose, "status", options.at)
    status = consented(
        session,
        store.table(con, "status", av.status_months(period, options.horizon)),
        options.purpose,
        "status",
        options.at,
        serials=allowed,
    )
    status = only_serials(status, wanted)
    heard = store.table(
        con, "measure", av.months_between(period.start - options.horizon, period.end)
    )
    heard = consented(session, heard, options.purpose, "status", options.at, serials=allowed)
    heard = only_serials(heard, wanted)
    intervals = av.status_intervals(
        status,
        period,
        options.horizon,
        options.silence_after_down,
        av.newest_readings(status, heard),
    )
    found = gap_table(store, wanted, period, options)
    if not found.num_rows:
        return intervals
    with quiet():
        table = con.create_table(f"gaps_{id(found)}", found, temp=True, overwrite=True)
    return av.without_gaps(intervals, table, options.silence_after_down)


def gap_table(
    store: TelemetryStore, serials: list[str], period: av.Period, options: Options
) -> pa.Table:
    """(serial, gs, ge): the telemetry gaps of the machines in the period, as the report lists them."""
    interval = options.expected_interval_s
    now = min(period.end, utc(options.at) if options.at else datetime.now(UTC))
    found = (
        find_gaps(store, serials, period.start, period.end, interval, now=now) if serials else []
    )
    return pa.table(
        {
            "serial": pa.array([g.serial for g in found], pa.string()),
            "gs": pa.array([g.start for g in found], TS),
            "ge": pa.array([g.end for g in found], TS),
        },
        schema=av.GAPS,
    )


def without_agreement(
    session: Session,
    store: TelemetryStore,
    purpose: str = PURPOSE,
    account_ids: Collection[int] | None = None,
    at: datetime | None = None,
) -> int:
    """How many machines (of ``account_ids`` when given) sent status events but have no
    agreement for ``purpose``: their data arrives and is never used."""
    con = duck.backend()  # a cursor of the process's database, its own for this call
    try:
        status = store.table(con, "status")
        sending = set(to_arrow(status.select("serial").distinct()).column("serial").to_pylist())
    finally:
        con.disconnect()
    machines = installed_base.machines_with_serial(
        session, serials=sending, account_ids=account_ids
    )
    allowed = consenting_accounts(session, purpose, "status", at)
    return len({m.serial for m in machines if m.account_id not in allowed})


def agreement_hint(count: int, purpose: str = PURPOSE) -> str | None:
    """What to tell a user whose machines send telemetry without an agreement (None: none do)."""
    if not count:
        return None
    machines = "1 machine has" if count == 1 else f"{count} machines have"
    return (
        f"{machines} telemetry but no data-sharing agreement for {purpose}, so they are left "
        f"out. Record the customer's agreement on the account's data-sharing page "
        f"/accounts/ID/consent (the customer may also agree in the portal, /portal/consent); "
        f"from a script: `servitize consent grant ACCOUNT --kind status --purpose {purpose}` "
        f'or POST /api/v1/consent/agreements with account_id, data_kinds ["status"], '
        f'purposes ["{purpose}"] and valid_from.'
    )


def service_event_intervals(
    session: Session, period: av.Period, options: Options, asset_ids: list[int] | None = None
) -> pa.Table:
    """Intervals from work orders alone: repairs are unplanned stops, maintenance planned ones.

    Each asset counts as running outside its recorded stops, but only between its first work
    order (00:00 UTC of its day) and the end of its last one, and never after ``options.at``
    (now): before, after and in the future nothing is observed, so it is unknown. A stop starts
    at 00:00 UTC of the work order's day and lasts its ``downtime_hours`` (or the default).
    """
    now = utc(options.at) if options.at else datetime.now(UTC)
    stops: dict[str, list[tuple[datetime, datetime, str]]] = {}
    observed: dict[str, tuple[datetime, datetime]] = {}
    for serial, day, kind, hours in installed_base.work_orders_with_serial(session, asset_ids):
        start = utc(datetime(day.year, day.month, day.day))
        default = options.repair_hours if kind == "repair" else options.maintenance_hours
        end = start + timedelta(hours=hours or default)
        if start >= now:  # a work order dated after now (planned ahead) is no observation yet
            continue
        first, last = observed.get(serial, (start, end))
        observed[serial] = (min(first, start), max(last, end))
        if kind in ("repair", "maintenance") and start < period.end and end > period.start:
            stops.setdefault(serial, []).append(
                (start, end, av.DOWN if kind == "repair" else av.PLANNED)
            )
    out: dict[str, list[object]] = {"serial": [], "state": [], "s": [], "e": [], "new_stop": []}

    def add(serial: str, state: str, s: datetime, e: datetime, new: bool) -> None:
        for name, value in zip(out, (serial, state, s, e, new), strict=True):
            out[name].append(value)

    for serial, (first, last) in observed.items():
        lo, hi = max(period.start, first), min(period.end, max(last, first), now)
        cursor = lo
        for s, e, state in stops.get(serial, []):
            if s > cursor and cursor < hi:
                add(serial, "running", cursor, min(s, hi), False)
            if e > cursor:
                add(serial, state, max(s, cursor), e, state == av.DOWN)
                cursor = e
        if cursor < hi:
            add(serial, "running", cursor, hi, False)
    return pa.table(out, schema=av.INTERVALS)


def status_from_table(con: ibis.BaseBackend, table: pa.Table) -> ir.Table:
    """An in-memory status table on a backend (tests, imports)."""
    with quiet():
        return con.create_table(f"status_{id(table)}", table, temp=True, overwrite=True)


@dataclass(frozen=True)
class EnergyUsed:
    """A machine's metered energy in a period: kWh and the first and last reading's time."""

    kwh: float
    first: datetime
    last: datetime


def energy_used(
    session: Session,
    store: TelemetryStore,
    serials: Collection[str],
    period: av.Period,
    purpose: str,
    at: datetime | None = None,
    use: str = "value_case_energy",
) -> dict[str, EnergyUsed]:
    """kWh per serial in the period from ``energy_kwh`` measurements, only of machines whose
    account shares energy data for the purpose (the consent gate); a serial with no reading is
    absent, never 0."""
    wanted = sorted(set(serials))
    if not wanted:
        return {}
    con = duck.backend()  # a cursor of the process's database, its own for this call
    try:
        measure = consented(
            session,
            store.table(con, "measure", av.months_between(period.start, period.end)),
            purpose,
            "energy",
            at,
        )
        m = only_serials(measure, wanted)
        m = m.filter(
            m.metric == "energy_kwh",
            m.ts >= ibis.literal(period.start),
            m.ts < ibis.literal(period.end),
        )
        used = m.group_by("serial").aggregate(kwh=m.value.sum(), first=m.ts.min(), last=m.ts.max())
        found = {
            str(r["serial"]): EnergyUsed(float(r["kwh"]), utc(r["first"]), utc(r["last"]))
            for r in to_arrow(used).to_pylist()
            if r["kwh"] is not None
        }
        machines = installed_base.machines_with_serial(session, serials=found)
        record_use(session, purpose, use, {m.account_id for m in machines})
        return found
    finally:
        con.disconnect()
