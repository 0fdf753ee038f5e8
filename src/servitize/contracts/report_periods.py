"""A contract's months evaluated at once: one DuckDB connection, the months as a table.

``contracts.evaluate`` for one period reads the records, opens DuckDB twice (the computation and
the evidence) and has Ibis compile the same shape again; a report over six or twelve months paid
that once per month. ``evaluate_periods`` gives, for every period, exactly what ``evaluate``
gives (per-asset rows, evidence, band and money): the same reads under the same consent gate,
each period's read window kept (``availability.status_intervals_periods``), telemetry gaps and
downtime records laid over per period, one expression for the intervals of all periods and one
for their summaries.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.contracts.service import (
    Evaluation,
    contract_options,
    contract_serials,
    settled,
)
from servitize.core.errors import InvalidInput
from servitize.telemetry import availability as av
from servitize.telemetry import rules
from servitize.telemetry.consent import consented, consenting_machines
from servitize.telemetry.consent_usage import record_use
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import quiet, to_arrow
from servitize.telemetry.models import DowntimePeriod
from servitize.telemetry.service import (
    RESULT_FIELDS,
    Options,
    gap_table,
    only_serials,
    scheduled_hours,
)
from servitize.telemetry.store import TelemetryStore

KEY = ("pid",)
EVIDENCE_STATES = (av.DOWN, av.PLANNED)


def evaluate_periods(
    session: Session,
    store: TelemetryStore,
    contract: AvailabilityContract,
    periods: list[av.Period],
    at: datetime | None = None,
    expected_interval_s: int = 0,
) -> list[Evaluation]:
    """``contracts.evaluate`` of each period (with evidence), all computed in one go."""
    if not periods:
        return []
    serials = contract_serials(session, contract)
    options = contract_options(contract, at, expected_interval_s)
    if options.silence_after_down not in av.SILENCE_RULES:
        raise InvalidInput(f"silence after down must be one of {', '.join(av.SILENCE_RULES)}")
    machines = consenting_machines(
        session, options.purpose, "status", options.at, [contract.account_id]
    )
    asked = set(serials)
    machines = [m for m in machines if m.serial in asked]
    assets = sorted((m.asset_id, m.serial) for m in machines)
    wanted = sorted({s for _i, s in assets})
    asset_ids = [i for i, _s in assets]
    # the records of every period read once, then given to each period they overlap
    span = av.Period(min(p.start for p in periods), max(p.end for p in periods))
    found = downtime_in(session, span, asset_ids)
    records = [
        [(d, s) for d, s in found if utc(d.start) < p.end and utc(d.end) > p.start] for p in periods
    ]
    gaps = [gap_table(store, wanted, p, options) for p in periods]
    rows, status_evidence = _computed(session, store, periods, options, wanted, records, gaps)
    out = []
    for pid, period in enumerate(periods):
        mine = _asset_rows(rows.get(pid, []), wanted, scheduled_hours(period, options.calendar))
        record_use(session, options.purpose, options.use, {m.account_id for m in machines})
        evidence = status_evidence.get(pid, []) + [
            {
                "serial": serial,
                "state": av.EXCLUDED if d.excluded else av.PLANNED if d.planned else av.DOWN,
                "start": utc(d.start),
                "end": utc(d.end),
                "source": "record",
                "cause": d.cause,
                "id": d.id,
            }
            for d, serial in records[pid]
        ]
        out.append(settled(contract, period, serials, mine, evidence))
    return out


def _computed(
    session: Session,
    store: TelemetryStore,
    periods: list[av.Period],
    options: Options,
    wanted: list[str],
    records: list[list[tuple[DowntimePeriod, str]]],
    gaps: list[pa.Table],
) -> tuple[dict[int, list[dict[str, object]]], dict[int, list[dict[str, object]]]]:
    """Per period: the summary rows and the status evidence (the stops and planned maintenance
    of the status intervals, gap time cut out), from one DuckDB connection."""
    calendar = options.calendar or {"kind": "24/7"}
    windows = [rules.calendar_windows(calendar, p.start, p.end) for p in periods]
    table = av.periods_table(
        periods, [scheduled_hours(p, options.calendar) for p in periods], options.horizon
    )
    con = ibis.duckdb.connect()
    try:
        with quiet():
            ptable = con.create_table("periods", table, temp=True)
        status = consented(
            session,
            store.table(con, "status", av.periods_months(periods, options.horizon)),
            options.purpose,
            "status",
            options.at,
            serials=wanted,
        )
        status = only_serials(status, wanted)
        months = sorted(
            {m for p in periods for m in av.months_between(p.start - options.horizon, p.end)}
        )
        readings = store.table(con, "measure", months)
        heard = consented(session, readings, options.purpose, "status", options.at, serials=wanted)
        heard = only_serials(heard, wanted)
        newest = av.newest_readings_periods(status, heard, ptable)
        iv = av.status_intervals_periods(
            status, ptable, newest, options.horizon, options.silence_after_down
        )
        cut = _with_pid(gaps, av.GAPS)
        if cut.num_rows:
            with quiet():
                gtable = con.create_table("gaps", cut, temp=True)
            iv = av.without_gaps(iv, gtable, options.silence_after_down, by=KEY)
        # the intervals once (the evidence reads them, the summary lays records over them)
        intervals = to_arrow(iv)
        with quiet():
            ivt = con.create_table("intervals", intervals, temp=True)
        laid = _overlaid(con, ivt, records)
        wtable = None
        if any(w is not None for w in windows):
            found = pa.table(
                {
                    "pid": pa.array(
                        [i for i, w in enumerate(windows) for _ in w or []], pa.int64()
                    ),
                    "ws": pa.array([ws for w in windows for ws, _we in w or []], TS),
                    "we": pa.array([we for w in windows for _ws, we in w or []], TS),
                },
                schema=av.PERIOD_WINDOWS,
            )
            with quiet():
                wtable = con.create_table("windows", found, temp=True)
        summary = av.summarize_periods(laid, ptable, wtable)
        measure = consented(session, readings, options.purpose, "energy", options.at)
        measure = only_serials(measure, wanted)
        result = av.with_energy(summary, av.energy_periods(measure, ptable), by=KEY)
        rows: dict[int, list[dict[str, object]]] = {}
        for row in to_arrow(result.order_by(["pid", "serial"])).to_pylist():
            rows.setdefault(int(row["pid"]), []).append(row)
    finally:
        con.disconnect()
    evidence: dict[int, list[dict[str, object]]] = {}
    shown = intervals.filter(pc.is_in(intervals.column("state"), pa.array(EVIDENCE_STATES)))
    for r in sorted(shown.to_pylist(), key=lambda r: (r["pid"], r["s"], r["serial"])):
        evidence.setdefault(int(r["pid"]), []).append(
            {
                "serial": r["serial"],
                "state": r["state"],
                "start": r["s"],
                "end": r["e"],
                "source": "status",
            }
        )
    return rows, evidence


def _with_pid(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """Per-period tables as one, each row with its period's position (pid) first."""
    parts = [
        t.cast(schema).add_column(0, "pid", pa.array([pid] * t.num_rows, pa.int64()))
        for pid, t in enumerate(tables)
    ]
    return pa.concat_tables(parts)


def _overlaid(
    con: ibis.BaseBackend, intervals: ir.Table, records: list[list[tuple[DowntimePeriod, str]]]
) -> ir.Table:
    """Downtime records laid over the intervals of the periods that have any (``overlay``);
    the other periods' intervals pass as they are, as ``compute`` leaves them."""
    tables = [records_table(r) for r in records]
    laid = [pid for pid, t in enumerate(tables) if t.num_rows]
    if not laid:
        return intervals
    found = _with_pid(tables, av.INTERVALS.remove(av.INTERVALS.get_field_index("new_stop")))
    with quiet():
        rtable = con.create_table("records", found, temp=True)
    some = intervals.filter(intervals.pid.isin(laid))
    rest = intervals.filter(~intervals.pid.isin(laid))
    cols = ["pid", "serial", "state", "s", "e", "new_stop"]
    return ibis.union(rest.select(*cols), av.overlay(some, rtable, by=KEY).select(*cols))


def _asset_rows(
    rows: list[dict[str, object]], wanted: list[str], hours: float
) -> list[dict[str, object]]:
    """``compute``'s rows of one period: rounded, the machines that sent nothing added as
    unknown (never 100 %), by serial."""
    out = [
        {k: round(v, 6) if isinstance(v := row.get(k), float) else v for k in RESULT_FIELDS}
        for row in rows
    ]
    seen = {r["serial"] for r in out}
    out += [
        dict.fromkeys(RESULT_FIELDS)
        | {"serial": s, "scheduled_hours": round(hours, 6), "known_hours": 0.0, "coverage": 0.0}
        for s in set(wanted) - seen
    ]
    return sorted(out, key=lambda r: str(r["serial"]))
