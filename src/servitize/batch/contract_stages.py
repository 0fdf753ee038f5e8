"""Availability per contract and month: every availability contract of the records database
evaluated over the months of the batch's telemetry, each with its own rules.

The batch's ``availability`` stage gives each machine's month under the default rules (24/7,
a silent ``down`` holds, no downtime records). What customers are billed on is the contract's
figure: its machines only, under its account's agreement, its calendar, its rule for silence
after ``down``, the downtime records laid over, telemetry gaps cut out, its minimum coverage and
its bands or clause. This stage works that out as the contract report does
(``contracts.report_periods.evaluate_periods``: a contract's months as one table and one
expression) on the batch's engine, over the batch's compacted readings and gaps instead of the
store's files, and settles each month with the report's own code (``contracts.service.settled``,
``contracts.report.month_result``): the same figures, band and money the report shows.

One engine job per contract (two with an expected reporting interval, for the silences); the
per-contract pieces that are Python in the report stay Python here, on the driver: consent, the
contract's machines, its downtime records and calendar windows, the settlement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.batch import layout
from servitize.contracts import repository as contracts_repo
from servitize.contracts.models import AvailabilityContract
from servitize.contracts.report import MonthResult, in_force, month_result
from servitize.contracts.service import contract_options, contract_serials, settled
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings
from servitize.telemetry import availability as av
from servitize.telemetry import rules
from servitize.telemetry.consent import consented, consenting_machines
from servitize.telemetry.consent_usage import batched, record_use
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import spark_table
from servitize.telemetry.gaps import LOOKBACK, Gap, merge_gaps
from servitize.telemetry.models import DowntimePeriod
from servitize.telemetry.service import RESULT_FIELDS, Options, only_serials, scheduled_hours

if TYPE_CHECKING:
    from servitize.batch.run import Context

OUTPUT = "contract_availability"
KEY = ("pid",)
SCHEMA = pa.schema(
    [
        ("contract_id", pa.int64()),
        ("contract", pa.string()),
        ("account_id", pa.int64()),
        ("month", pa.string()),
        ("machines", pa.int64()),
        ("availability_pct", pa.float64()),
        ("target_pct", pa.float64()),
        ("band", pa.string()),
        ("steps", pa.int64()),
        ("fee_pct", pa.float64()),
        ("amount_cents", pa.int64()),
        ("currency", pa.string()),
        ("uptime_hours", pa.float64()),
        ("downtime_hours", pa.float64()),
        ("planned_maintenance_hours", pa.float64()),
        ("excluded_hours", pa.float64()),
        ("failures", pa.int64()),
        ("coverage_pct", pa.float64()),
        ("min_coverage_pct", pa.float64()),
        ("result", pa.string()),
    ]
)


@contextmanager
def _session(ctx: Context) -> Iterator[Session]:
    """The records database's session; committed (the record of use) when the stage succeeds."""
    engine = make_engine(ctx.database_url or Settings().database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _months(ctx: Context) -> list[str]:
    """The months of the batch's compacted status events, oldest first."""
    if not layout.is_remote(ctx.out_dir):
        folder = Path(layout.join(ctx.out_dir, "compact", "status"))
        return sorted(p.name[6:] for p in folder.glob("month=*") if p.is_dir())
    status = layout.read(ctx.con, ctx.out_dir, "compact", "status")
    found = layout.arrow(ctx.con, status.select("month").distinct())["month"]
    return sorted(str(m) for m in found.to_pylist())


def _on_engine(con: ibis.BaseBackend, table: pa.Table, name: str, made: list[str]) -> ir.Table:
    """A driver-side Arrow table on the engine (Spark: a view made from Arrow, not pandas, of
    a name of its own, added to ``made`` so that it is dropped when the contract is done)."""
    if con.name != "pyspark":
        return ibis.memtable(table)
    view = f"{name}_{uuid.uuid4().hex[:8]}"
    made.append(view)
    return spark_table(con, table, view)


def _drop_views(con: ibis.BaseBackend, made: list[str]) -> None:
    """Drop a contract's views: a view made from Arrow keeps its rows in the driver's heap as
    long as the session knows its name, so thousands of contracts would add up."""
    for view in made:
        con._session.catalog.dropTempView(view)


class _Readings:
    """The batch's compacted status events, readings and gaps, read once per stage."""

    def __init__(self, ctx: Context) -> None:
        self.con = ctx.con

        def read(kind: str) -> ir.Table | None:
            if not layout.exists(ctx.out_dir, "compact", kind):
                return None
            return layout.read(ctx.con, ctx.out_dir, "compact", kind)

        self.status, self.measure, self.gaps = read("status"), read("measure"), read("gaps")

    def status_in(self, months: list[str]) -> ir.Table:
        """Status events (serial, ts, state) filed under these months."""
        assert self.status is not None
        s = self.status
        return s.filter(s.month.isin(months)).select("serial", "ts", "state")

    def measure_in(self, months: list[str]) -> ir.Table:
        """Readings (serial, ts, metric, value) filed under these months."""
        if self.measure is None:
            return ibis.memtable(
                pa.table(
                    {
                        "serial": pa.array([], pa.string()),
                        "ts": pa.array([], TS),
                        "metric": pa.array([], pa.string()),
                        "value": pa.array([], pa.float64()),
                    }
                )
            )
        m = self.measure
        return m.filter(m.month.isin(months)).select("serial", "ts", "metric", "value")


def _gaps(
    readings: _Readings,
    wanted: list[str],
    periods: list[av.Period],
    options: Options,
    ptable: ir.Table,
) -> list[pa.Table]:
    """Per period, the machines' telemetry gaps as ``telemetry.service.gap_table`` lists them
    (``gaps.find_gaps``: the listener's sequence gaps, and with an expected interval the
    silences between readings), found on the engine over the compacted readings and gaps."""
    found: list[list[Gap]] = [[] for _ in periods]
    interval = options.expected_interval_s
    if wanted and readings.gaps is not None:
        g = only_serials(readings.gaps, wanted)
        p = ptable.view()
        # the store's months from a week before the period's start, overlapping the period
        j = g.join(p, [g.ts >= p.gaps_from, g.ts < p.pe, g.end_ts > p.ps])
        rows = layout.arrow(
            readings.con,
            j.select(pid=p.pid, serial=g.serial, ts=g.ts, end_ts=g.end_ts, missing=g.missing),
        )
        for r in rows.to_pylist():
            period = periods[r["pid"]]
            found[r["pid"]].append(
                Gap(
                    r["serial"],
                    max(utc(r["ts"]), period.start),
                    min(utc(r["end_ts"]), period.end),
                    "sequence",
                    r["missing"],
                )
            )
    if wanted and interval > 0:
        months = sorted({m for q in periods for m in av.months_between(q.start - LOOKBACK, q.end)})
        parts = [readings.status_in(months).select("serial", "ts")]
        if readings.measure is not None:
            parts.append(readings.measure_in(months).select("serial", "ts"))
        both = only_serials(ibis.union(*parts, distinct=True), wanted)
        p = ptable.view()
        t = both.join(p, [both.ts >= p.silence_from, both.ts < p.silence_to]).select(
            pid=p.pid, serial=both.serial, ts=both.ts, ps=p.ps, pe=p.pe, hi=p.silence_to
        )
        w = ibis.window(group_by=[t.pid, t.serial], order_by=t.ts)
        nxt = t.mutate(gap_end=t.ts.lead().over(w).fill_null(t.hi))
        silent = nxt.filter(
            ((nxt.gap_end.epoch_seconds() - nxt.ts.epoch_seconds()) > interval)
            & (nxt.gap_end > nxt.ps)
            & (nxt.ts < nxt.pe)
        )
        rows = layout.arrow(readings.con, silent.select("pid", "serial", "ts", "gap_end"))
        for r in rows.to_pylist():
            period = periods[r["pid"]]
            found[r["pid"]].append(
                Gap(
                    r["serial"],
                    max(utc(r["ts"]), period.start),
                    min(utc(r["gap_end"]), period.end),
                    "silence",
                )
            )
    out = []
    for gaps in found:
        merged = merge_gaps(gaps)
        out.append(
            pa.table(
                {
                    "serial": pa.array([x.serial for x in merged], pa.string()),
                    "gs": pa.array([x.start for x in merged], TS),
                    "ge": pa.array([x.end for x in merged], TS),
                },
                schema=av.GAPS,
            )
        )
    return out


def _with_pid(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """Per-period tables as one, each row with its period's position (pid) first."""
    parts = [
        t.cast(schema).add_column(0, "pid", pa.array([pid] * t.num_rows, pa.int64()))
        for pid, t in enumerate(tables)
    ]
    return pa.concat_tables(parts)


def _asset_rows(
    rows: list[dict[str, object]], wanted: list[str], hours: float
) -> list[dict[str, object]]:
    """A period's rows as ``telemetry.service.compute`` gives them: rounded, the machines that
    sent nothing added as unknown (never 100 %), by serial."""
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


def _periods(periods: list[av.Period], options: Options) -> pa.Table:
    """``availability.periods_table`` with the bounds the gap search reads: sequence gaps filed
    from the month a week before each period's start, readings from a week before its start up
    to its end (or to the moment consent is checked, when that is earlier)."""
    table = av.periods_table(
        periods, [scheduled_hours(p, options.calendar) for p in periods], options.horizon
    )
    now = utc(options.at) if options.at else datetime.now(UTC)
    floor = [
        (p.start - LOOKBACK).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for p in periods
    ]
    table = table.append_column("gaps_from", pa.array(floor, TS))
    table = table.append_column("silence_from", pa.array([p.start - LOOKBACK for p in periods], TS))
    # gaps.find_gaps reads readings before min(end, now)
    return table.append_column("silence_to", pa.array([min(p.end, now) for p in periods], TS))


def _summaries(
    session: Session,
    readings: _Readings,
    periods: list[av.Period],
    options: Options,
    wanted: list[str],
    records: list[list[tuple[DowntimePeriod, str]]],
) -> dict[int, list[dict[str, object]]]:
    """Per period (pid), the machines' summary rows: ``report_periods._computed``'s expression
    over the batch's compacted readings, on the batch's engine."""
    made: list[str] = []
    try:
        return _summary_rows(session, readings, periods, options, wanted, records, made)
    finally:
        _drop_views(readings.con, made)


def _summary_rows(
    session: Session,
    readings: _Readings,
    periods: list[av.Period],
    options: Options,
    wanted: list[str],
    records: list[list[tuple[DowntimePeriod, str]]],
    made: list[str],
) -> dict[int, list[dict[str, object]]]:
    con = readings.con
    calendar = options.calendar or {"kind": "24/7"}
    windows = [rules.calendar_windows(calendar, p.start, p.end) for p in periods]
    ptable = _on_engine(con, _periods(periods, options), "contract_periods", made)
    status = consented(
        session,
        readings.status_in(av.periods_months(periods, options.horizon)),
        options.purpose,
        "status",
        options.at,
        serials=wanted,
    )
    status = only_serials(status, wanted)
    months = sorted(
        {m for p in periods for m in av.months_between(p.start - options.horizon, p.end)}
    )
    measure = readings.measure_in(months)
    heard = only_serials(
        consented(session, measure, options.purpose, "status", options.at, serials=wanted), wanted
    )
    newest = av.newest_readings_periods(status, heard, ptable)
    iv = av.status_intervals_periods(
        status, ptable, newest, options.horizon, options.silence_after_down
    )
    cut = _with_pid(_gaps(readings, wanted, periods, options, ptable), av.GAPS)
    if cut.num_rows:
        iv = av.without_gaps(
            iv, _on_engine(con, cut, "contract_gaps", made), options.silence_after_down, by=KEY
        )
    laid = [pid for pid, r in enumerate(records) if r]
    if laid:  # downtime records laid over the periods that have any (report_periods._overlaid)
        tables = [records_table(r) for r in records]
        found = _with_pid(tables, av.INTERVALS.remove(av.INTERVALS.get_field_index("new_stop")))
        rtable = _on_engine(con, found, "contract_records", made)
        cols = ["pid", "serial", "state", "s", "e", "new_stop"]
        some, rest = iv.filter(iv.pid.isin(laid)), iv.filter(~iv.pid.isin(laid))
        iv = ibis.union(rest.select(*cols), av.overlay(some, rtable, by=KEY).select(*cols))
    wtable = None
    if any(w is not None for w in windows):
        wtable = _on_engine(
            con,
            pa.table(
                {
                    "pid": pa.array(
                        [i for i, w in enumerate(windows) for _ in w or []], pa.int64()
                    ),
                    "ws": pa.array([ws for w in windows for ws, _we in w or []], TS),
                    "we": pa.array([we for w in windows for _ws, we in w or []], TS),
                },
                schema=av.PERIOD_WINDOWS,
            ),
            "contract_windows",
            made,
        )
    summary = av.summarize_periods(iv, ptable, wtable)
    energy = only_serials(
        consented(session, measure, options.purpose, "energy", options.at), wanted
    )
    result = av.with_energy(summary, av.energy_periods(energy, ptable), by=KEY)
    rows: dict[int, list[dict[str, object]]] = {}
    for row in layout.arrow(con, result.order_by(["pid", "serial"])).to_pylist():
        rows.setdefault(int(row["pid"]), []).append(row)
    return rows


def evaluate_contract(
    session: Session,
    readings: _Readings,
    contract: AvailabilityContract,
    months: list[str],
    expected_interval_s: int = 0,
    at: datetime | None = None,
) -> list[MonthResult]:
    """The contract's result for each of ``months`` it is in force in, as the report shows it
    (``report.month_result`` of ``evaluate_periods``'s evaluation), computed on the engine."""
    valid = [m for m in months if in_force(contract, av.month_period(m))]
    if not valid:
        return []
    periods = [av.month_period(m) for m in valid]
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
    span = av.Period(min(p.start for p in periods), max(p.end for p in periods))
    found = downtime_in(session, span, [i for i, _s in assets])
    records: list[list[tuple[DowntimePeriod, str]]] = [
        [(d, s) for d, s in found if utc(d.start) < p.end and utc(d.end) > p.start] for p in periods
    ]
    rows = _summaries(session, readings, periods, options, wanted, records)
    record_use(session, options.purpose, options.use, {m.account_id for m in machines})
    out = []
    for pid, (month, period) in enumerate(zip(valid, periods, strict=True)):
        mine = _asset_rows(rows.get(pid, []), wanted, scheduled_hours(period, options.calendar))
        out.append(month_result(contract, month, settled(contract, period, serials, mine, [])))
    return out


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def contract_availability(ctx: Context) -> tuple[int, int]:
    """Every availability contract's months (those of the batch's telemetry it is in force
    in): measured availability, coverage, band and money, as the contract report shows them."""
    settings = ctx.settings or Settings()
    out: list[dict[str, object]] = []
    contracts = 0
    if layout.exists(ctx.out_dir, "compact", "status"):
        readings = _Readings(ctx)
        months = _months(ctx)
        with _session(ctx) as session, batched(session):
            for contract in contracts_repo.all_contracts(session):
                contracts += 1
                results = evaluate_contract(
                    session,
                    readings,
                    contract,
                    months,
                    settings.telemetry_expected_interval_s,
                )
                machines = len(contract_serials(session, contract)) if results else 0
                out += [
                    {
                        "contract_id": contract.id,
                        "contract": contract.external_id,
                        "account_id": contract.account_id,
                        "month": r.month,
                        "machines": machines,
                        "availability_pct": r.availability_pct,
                        "target_pct": r.target_pct,
                        "band": r.band,
                        "steps": r.steps,
                        "fee_pct": r.fee_pct,
                        "amount_cents": _cents(r.amount),
                        "currency": r.currency,
                        "uptime_hours": r.uptime_hours,
                        "downtime_hours": r.downtime_hours,
                        "planned_maintenance_hours": r.planned_maintenance_hours,
                        "excluded_hours": r.excluded_hours,
                        "failures": r.failures,
                        "coverage_pct": r.coverage_pct,
                        "min_coverage_pct": r.min_coverage_pct,
                        "result": r.result,
                    }
                    for r in results
                ]
    table = pa.Table.from_pylist(out, schema=SCHEMA)
    layout.write_arrow(ctx.con, table, ctx.out_dir, OUTPUT)
    return contracts, table.num_rows
