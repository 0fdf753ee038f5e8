"""A contract's months evaluated at once: one DuckDB connection, the months as a table.

``contracts.evaluate`` for one period reads the records, opens DuckDB twice (the computation and
the evidence) and has Ibis compile the same shape again; a report over six or twelve months paid
that once per month. ``evaluate_periods`` gives, for every period, exactly what ``evaluate``
gives (per-asset rows, evidence, band and money): the same reads under the same consent gate,
each period's read window kept (``availability.status_intervals_periods``), telemetry gaps and
downtime records laid over per period, one expression for the intervals of all periods and one
for their summaries.

What changes from one request to the next (the machines, the months, the dates, the records,
the gaps) lives in tables of fixed names; the SQL over them depends only on the contract's rules
and on which inputs there are (``Shape``), so Ibis builds and compiles it once per shape and
process, and the requests after run the compiled SQL. Each request has a connection of its own
to one in-memory DuckDB database per process (a cursor: no new database per request).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
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
from servitize.telemetry import duck, rules
from servitize.telemetry.consent import consenting_machines, consenting_serials
from servitize.telemetry.consent_usage import record_use
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import quiet
from servitize.telemetry.models import DowntimePeriod
from servitize.telemetry.service import (
    RESULT_FIELDS,
    Options,
    gap_table,
    scheduled_hours,
)
from servitize.telemetry.store import KEYS, SCHEMAS, TelemetryStore, one_per_key

PID = ("pid",)
EVIDENCE_STATES = (av.DOWN, av.PLANNED)
MAX_COMPILED = 64  # shapes kept compiled (a shape is a few kilobytes of SQL)


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
    of the status intervals, gap time cut out), from one DuckDB connection (a cursor of the
    process's database) running the SQL of the report's shape (compiled once, ``compiled``)."""
    calendar = options.calendar or {"kind": "24/7"}
    windows = [rules.calendar_windows(calendar, p.start, p.end) for p in periods]
    inputs: dict[str, pa.Table] = {
        "periods": av.periods_table(
            periods, [scheduled_hours(p, options.calendar) for p in periods], options.horizon
        ),
        # the consent gate (``consent.consented``'s rule, its serials as a table): status
        # events and the readings heard of the consenting machines asked for; energy of those
        # of them whose account shares energy too
        "status_serials": _serials(wanted),
        "energy_serials": _serials(
            set(wanted) & set(consenting_serials(session, options.purpose, "energy", options.at))
        ),
    }
    cut = _with_pid(gaps, av.GAPS)
    if cut.num_rows:
        inputs["gaps"] = cut
    laid = _with_pid(
        [records_table(r) for r in records],
        av.INTERVALS.remove(av.INTERVALS.get_field_index("new_stop")),
    )
    if laid.num_rows:
        inputs["records"] = laid
    if any(w is not None for w in windows):
        inputs["windows"] = pa.table(
            {
                "pid": pa.array([i for i, w in enumerate(windows) for _ in w or []], pa.int64()),
                "ws": pa.array([ws for w in windows for ws, _we in w or []], TS),
                "we": pa.array([we for w in windows for _ws, we in w or []], TS),
            },
            schema=av.PERIOD_WINDOWS,
        )
    con = duck.cursor()
    try:
        for name, table in inputs.items():
            con.register(name, table)
        shape = Shape(
            silence_after_down=options.silence_after_down,
            horizon_s=int(options.horizon.total_seconds()),
            status=_readings(con, store, "status", av.periods_months(periods, options.horizon)),
            measure=_readings(
                con,
                store,
                "measure",
                sorted(
                    {
                        m
                        for p in periods
                        for m in av.months_between(p.start - options.horizon, p.end)
                    }
                ),
            ),
            gaps="gaps" in inputs,
            records="records" in inputs,
            windows="windows" in inputs,
        )
        intervals = _run(con, compiled(shape, "intervals", con))
        con.register("intervals", intervals)
        result = _run(con, compiled(shape, "summary", con))
    finally:
        con.close()
    rows: dict[int, list[dict[str, object]]] = {}
    for row in result.to_pylist():
        rows.setdefault(int(row["pid"]), []).append(row)
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


@dataclass(frozen=True)
class Shape:
    """What the report's SQL depends on: the contract's rules and which inputs there are (never
    the machines, the months or the dates: those are the tables the SQL reads)."""

    silence_after_down: str
    horizon_s: int
    status: str  # how the status events are read: empty, files or dedupe (uncompacted)
    measure: str  # the same for the readings
    gaps: bool  # telemetry gaps to cut out
    records: bool  # downtime records to lay over
    windows: bool  # a calendar other than 24/7


@dataclass(frozen=True)
class Compiled:
    """One part of the report as SQL over the tables of ``_computed``, and its result's schema."""

    sql: str
    schema: pa.Schema


_COMPILED: dict[tuple[Shape, str], Compiled] = {}
_LOCK = threading.Lock()


def compiled(shape: Shape, part: str, con: duckdb.DuckDBPyConnection) -> Compiled:
    """The SQL of one part (``intervals``, then ``summary`` over them) of a report of this shape:
    Ibis builds and compiles it on the first request of the shape (over ``con``'s tables), later
    requests run the same SQL over their own tables."""
    key = (shape, part)
    found = _COMPILED.get(key)
    if found is None:
        with quiet():  # Ibis reads the tables' schemas with DuckDB's deprecated call
            db = ibis.duckdb.from_connection(con)
            expr = _intervals_expr(db, shape) if part == "intervals" else _summary_expr(db, shape)
            found = Compiled(str(db.compile(expr)), expr.schema().to_pyarrow())
        with _LOCK:
            if len(_COMPILED) >= MAX_COMPILED:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = found
    return found


def forget_compiled() -> None:
    """Drop the compiled SQL (the next report of each shape compiles again)."""
    with _LOCK:
        _COMPILED.clear()


def _run(con: duckdb.DuckDBPyConnection, part: Compiled) -> pa.Table:
    return con.sql(part.sql).to_arrow_table().cast(part.schema)


def _serials(serials: Iterable[str]) -> pa.Table:
    return pa.table({"serial": pa.array(sorted(set(serials)), pa.string())})


def _readings(
    con: duckdb.DuckDBPyConnection, store: TelemetryStore, kind: str, months: list[str]
) -> str:
    """The stored rows of a kind in ``months`` as the view ``<kind>_rows`` of ``con``; how
    they are read: ``empty``, ``files`` or ``dedupe`` (one row per key still to be chosen)."""
    have = set(store.months(kind))
    months = [m for m in months if m in have]
    files = store.files(kind, months)
    name = f"{kind}_rows"
    if not files:
        con.register(name, SCHEMAS[kind].empty_table())
        return "empty"
    columns = ", ".join(f'"{c}"' for c in SCHEMAS[kind].names)
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    con.execute(f'CREATE TEMP VIEW "{name}" AS SELECT {columns} FROM read_parquet([{listed}])')
    return "dedupe" if store.needs_dedupe(kind, months) else "files"


def _source(db: ibis.BaseBackend, kind: str, how: str) -> ir.Table:
    table = db.table(f"{kind}_rows")
    return one_per_key(table, KEYS[kind]) if how == "dedupe" else table


def _gated(table: ir.Table, serials: ir.Table) -> ir.Table:
    """The rows of the machines in ``serials`` (the consent gate's semi-join)."""
    return table.filter(table.serial.isin(serials.serial))


def _intervals_expr(db: ibis.BaseBackend, shape: Shape) -> ir.Table:
    """The status intervals of every period, gap time cut out."""
    ptable = db.table("periods")
    allowed = db.table("status_serials")
    status = _gated(_source(db, "status", shape.status), allowed)
    heard = _gated(_source(db, "measure", shape.measure), allowed)
    newest = av.newest_readings_periods(status, heard, ptable)
    horizon = timedelta(seconds=shape.horizon_s)
    iv = av.status_intervals_periods(status, ptable, newest, horizon, shape.silence_after_down)
    if shape.gaps:
        iv = av.without_gaps(iv, db.table("gaps"), shape.silence_after_down, by=PID)
    return iv


def _summary_expr(db: ibis.BaseBackend, shape: Shape) -> ir.Table:
    """Per period and machine: the intervals (records laid over) summed, with energy."""
    ptable = db.table("periods")
    intervals = db.table("intervals")
    laid = _overlaid(intervals, db.table("records")) if shape.records else intervals
    summary = av.summarize_periods(laid, ptable, db.table("windows") if shape.windows else None)
    measure = _gated(_source(db, "measure", shape.measure), db.table("energy_serials"))
    result = av.with_energy(summary, av.energy_periods(measure, ptable), by=PID)
    return result.order_by(["pid", "serial"])


def _with_pid(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """Per-period tables as one, each row with its period's position (pid) first."""
    parts = [
        t.cast(schema).add_column(0, "pid", pa.array([pid] * t.num_rows, pa.int64()))
        for pid, t in enumerate(tables)
    ]
    return pa.concat_tables(parts)


def _overlaid(intervals: ir.Table, records: ir.Table) -> ir.Table:
    """Downtime records laid over the intervals of the periods that have any (``overlay``);
    the other periods' intervals pass as they are, as ``compute`` leaves them."""
    some = intervals.filter(intervals.pid.isin(records.pid))
    rest = intervals.filter(~intervals.pid.isin(records.pid))
    cols = ["pid", "serial", "state", "s", "e", "new_stop"]
    return ibis.union(rest.select(*cols), av.overlay(some, records, by=PID).select(*cols))


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
