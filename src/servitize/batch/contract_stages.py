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

Contracts are evaluated together, not one by one (thousands of contracts were thousands of
DuckDB queries, and on Spark thousands of jobs of a second or more): contracts of one ``Shape``
(the options that are constants of the expression: the rule for silence after ``down``, the
horizon, the consent purpose and use, the expected reporting interval, the moment consent is
checked, whether the calendar has windows) in parts of at most ``GROUP_SIZE`` contracts, each
part's (contract, month) pairs as its periods (``pid`` unique in the part). What differs
between the contracts is in tables keyed by ``pid``: each period's consenting machines (the
consent gate of its contract's account, as today; ``availability.*_machines``), its calendar
windows, its downtime records and its telemetry gaps. A part costs at most three engine jobs
(the sequence gaps, the silences with an expected interval, the figures). The per-contract
pieces that are Python in the report stay Python here, on the driver: consent, the contract's
machines, its downtime records and calendar windows, the settlement, the record of use.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from servitize.installed_base.repository import SerialMachine
from servitize.telemetry import availability as av
from servitize.telemetry import rules
from servitize.telemetry.consent import (
    consenting_accounts,
    consenting_machines,
    consenting_serials,
)
from servitize.telemetry.consent_usage import batched, record_use
from servitize.telemetry.downtime import TS, downtime_in, records_table, utc
from servitize.telemetry.frames import spark_table
from servitize.telemetry.gaps import LOOKBACK, Gap, merge_gaps
from servitize.telemetry.models import DowntimePeriod
from servitize.telemetry.service import RESULT_FIELDS, Options, scheduled_hours

if TYPE_CHECKING:
    from servitize.batch.run import Context

OUTPUT = "contract_availability"
KEY = ("pid",)
GROUP_SIZE = 500  # contracts of one shape evaluated together, at most
PART_MACHINE_MONTHS = 200_000  # and past one contract at most this many machine-months a part
SHORT_LIST = 200  # a part's machines filtered as literals up to this many (``only_serials``)
PID = pa.field("pid", pa.int64())
RECORDS = pa.schema([PID, *av.INTERVALS.remove(av.INTERVALS.get_field_index("new_stop"))])
PERIOD_GAPS = pa.schema([PID, *av.GAPS])
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


@dataclass(frozen=True)
class Shape:
    """What a part's expressions depend on besides their tables: the options that are constants
    of the expressions. Contracts of one shape are evaluated together; what differs between them
    (their machines, months, calendar windows, downtime records, gaps) is in tables keyed by
    ``pid``, one per (contract, month) of the part."""

    silence_after_down: str
    horizon: timedelta
    purpose: str
    use: str
    expected_interval_s: int
    at: datetime | None
    windows: bool  # a calendar other than 24/7 (scheduled windows to clip to)


@dataclass
class _Contract:
    """A contract of a part: its months in force and options (``_planned``), then what the
    records database says of it (``_prepared``): its serials, the consenting machines of them,
    the downtime records of each month."""

    contract: AvailabilityContract
    months: list[str]
    periods: list[av.Period]
    options: Options
    shape: Shape
    serials: list[str] = field(default_factory=list)
    machines: list[SerialMachine] = field(default_factory=list)
    wanted: list[str] = field(default_factory=list)
    records: list[list[tuple[DowntimePeriod, str]]] = field(default_factory=list)
    results: list[MonthResult] = field(default_factory=list)  # its months, once evaluated


def _planned(
    contract: AvailabilityContract,
    months: list[str],
    expected_interval_s: int = 0,
    at: datetime | None = None,
) -> _Contract | None:
    """The contract's months in force and its shape (None when it is in force in none)."""
    valid = [m for m in months if in_force(contract, av.month_period(m))]
    if not valid:
        return None
    options = contract_options(contract, at, expected_interval_s)
    if options.silence_after_down not in av.SILENCE_RULES:
        raise InvalidInput(f"silence after down must be one of {', '.join(av.SILENCE_RULES)}")
    periods = [av.month_period(m) for m in valid]
    calendar = options.calendar or {"kind": "24/7"}
    shape = Shape(
        silence_after_down=options.silence_after_down,
        horizon=options.horizon,
        purpose=options.purpose,
        use=options.use,
        expected_interval_s=options.expected_interval_s,
        at=options.at,
        windows=any(rules.calendar_windows(calendar, p.start, p.end) is not None for p in periods),
    )
    return _Contract(contract, valid, periods, options, shape)


def _prepared(session: Session, item: _Contract, consenting: set[int] | None = None) -> _Contract:
    """The contract's serials, its consenting machines (the consent gate of its account, as
    ``evaluate_periods`` asks it; ``consenting``: the accounts that consent for its shape's
    purpose and moment, read once for many contracts) and the downtime records of each month."""
    options = item.options
    item.serials = contract_serials(session, item.contract)
    machines = consenting_machines(
        session,
        options.purpose,
        "status",
        options.at,
        [item.contract.account_id],
        consenting=consenting,
    )
    asked = set(item.serials)
    item.machines = [m for m in machines if m.serial in asked]
    assets = sorted((m.asset_id, m.serial) for m in item.machines)
    item.wanted = sorted({s for _i, s in assets})
    periods = item.periods
    span = av.Period(min(p.start for p in periods), max(p.end for p in periods))
    found = downtime_in(session, span, [i for i, _s in assets])
    item.records = [
        [(d, s) for d, s in found if utc(d.start) < p.end and utc(d.end) > p.start] for p in periods
    ]
    return item


def _parts(session: Session, items: list[_Contract], group_size: int) -> Iterator[list[_Contract]]:
    """The contracts of one shape prepared and cut into parts of at most ``group_size``
    contracts and, past one contract, ``PART_MACHINE_MONTHS`` machine-months (so that a part's
    tables and the engine's memory stay bounded however many contracts there are)."""
    part: list[_Contract] = []
    size = 0
    # the agreements read once for the shape, not once a contract (thousands of contracts)
    shape = items[0].shape
    consenting = consenting_accounts(session, shape.purpose, "status", shape.at)
    for item in items:
        _prepared(session, item, consenting)
        weight = len(item.wanted) * len(item.periods)
        if part and (len(part) >= group_size or size + weight > PART_MACHINE_MONTHS):
            yield part
            part, size = [], 0
        part.append(item)
        size += weight
    if part:
        yield part


@dataclass
class _Part:
    """A part's periods, one per (contract, month), pid = position, and its tables."""

    items: list[_Contract]
    periods: list[av.Period] = field(default_factory=list)
    owner: list[tuple[int, int]] = field(default_factory=list)  # pid → (contract, month)
    scheduled: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, item in enumerate(self.items):
            for k, period in enumerate(item.periods):
                self.periods.append(period)
                self.owner.append((i, k))
                self.scheduled.append(scheduled_hours(period, item.options.calendar))

    def item(self, pid: int) -> _Contract:
        return self.items[self.owner[pid][0]]

    def machines(self, serials: Callable[[_Contract], list[str]]) -> pa.Table:
        """(pid, serial): each period's machines, as ``serials`` gives them for its contract."""
        pids, found = [], []
        for pid in range(len(self.periods)):
            mine = serials(self.item(pid))
            pids += [pid] * len(mine)
            found += mine
        return pa.table(
            {"pid": pa.array(pids, pa.int64()), "serial": pa.array(found, pa.string())},
            schema=av.PERIOD_MACHINES,
        )

    def records(self) -> pa.Table:
        """(pid, serial, state, s, e): the downtime records of each period."""
        rows, pids = [], []
        for pid, (i, k) in enumerate(self.owner):
            found = self.items[i].records[k]
            rows += found
            pids += [pid] * len(found)
        return records_table(rows).add_column(0, "pid", pa.array(pids, pa.int64())).cast(RECORDS)

    def windows(self) -> pa.Table:
        """(pid, ws, we): the scheduled windows of each period under its contract's calendar."""
        pids, starts, ends = [], [], []
        for pid, period in enumerate(self.periods):
            calendar = self.item(pid).options.calendar or {"kind": "24/7"}
            for ws, we in rules.calendar_windows(calendar, period.start, period.end) or []:
                pids.append(pid)
                starts.append(ws)
                ends.append(we)
        return pa.table(
            {
                "pid": pa.array(pids, pa.int64()),
                "ws": pa.array(starts, TS),
                "we": pa.array(ends, TS),
            },
            schema=av.PERIOD_WINDOWS,
        )


def _gaps(
    readings: _Readings,
    part: _Part,
    shape: Shape,
    mtable: ir.Table,
    gated: Callable[[ir.Table], ir.Table],
) -> pa.Table:
    """(pid, serial, gs, ge): each period's machines' telemetry gaps as
    ``telemetry.service.gap_table`` lists them (``gaps.find_gaps``: the listener's sequence
    gaps, and with an expected interval the silences between readings), found on the engine
    over the compacted readings and gaps, one job for every period of the part."""
    periods = part.periods
    found: dict[int, list[Gap]] = {}
    interval = shape.expected_interval_s

    def add(
        pid: int, serial: str, start: datetime, end: datetime, kind: str, missing: int | None
    ) -> None:
        period = periods[pid]
        gap = Gap(serial, max(utc(start), period.start), min(utc(end), period.end), kind, missing)
        found.setdefault(pid, []).append(gap)

    if readings.gaps is not None:
        g = gated(readings.gaps)
        # the store's months from a week before the period's start, overlapping the period
        p = mtable.view()
        j = g.join(p, [g.serial == p.serial, g.ts >= p.gaps_from, g.ts < p.pe, g.end_ts > p.ps])
        rows = layout.arrow(
            readings.con,
            j.select(pid=p.pid, serial=g.serial, ts=g.ts, end_ts=g.end_ts, missing=g.missing),
        )
        for r in rows.to_pylist():
            add(r["pid"], r["serial"], r["ts"], r["end_ts"], "sequence", r["missing"])
    if interval > 0:
        months = sorted({m for q in periods for m in av.months_between(q.start - LOOKBACK, q.end)})
        parts = [readings.status_in(months).select("serial", "ts")]
        if readings.measure is not None:
            parts.append(readings.measure_in(months).select("serial", "ts"))
        both = gated(ibis.union(*parts, distinct=True))
        p = mtable.view()
        t = both.join(
            p, [both.serial == p.serial, both.ts >= p.silence_from, both.ts < p.silence_to]
        ).select(pid=p.pid, serial=both.serial, ts=both.ts, ps=p.ps, pe=p.pe, hi=p.silence_to)
        w = ibis.window(group_by=[t.pid, t.serial], order_by=t.ts)
        nxt = t.mutate(gap_end=t.ts.lead().over(w).fill_null(t.hi))
        silent = nxt.filter(
            ((nxt.gap_end.epoch_seconds() - nxt.ts.epoch_seconds()) > interval)
            & (nxt.gap_end > nxt.ps)
            & (nxt.ts < nxt.pe)
        )
        rows = layout.arrow(readings.con, silent.select("pid", "serial", "ts", "gap_end"))
        for r in rows.to_pylist():
            add(r["pid"], r["serial"], r["ts"], r["gap_end"], "silence", None)
    pids, merged = [], []
    for pid in sorted(found):
        mine = merge_gaps(found[pid])
        pids += [pid] * len(mine)
        merged += mine
    return pa.table(
        {
            "pid": pa.array(pids, pa.int64()),
            "serial": pa.array([x.serial for x in merged], pa.string()),
            "gs": pa.array([x.start for x in merged], TS),
            "ge": pa.array([x.end for x in merged], TS),
        },
        schema=PERIOD_GAPS,
    )


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


def _periods(part: _Part, shape: Shape) -> pa.Table:
    """``availability.periods_table`` with the bounds the gap search reads: sequence gaps filed
    from the month a week before each period's start, readings from a week before its start up
    to its end (or to the moment consent is checked, when that is earlier)."""
    periods = part.periods
    table = av.periods_table(periods, part.scheduled, shape.horizon)
    now = utc(shape.at) if shape.at else datetime.now(UTC)
    floor = [
        (p.start - LOOKBACK).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for p in periods
    ]
    table = table.append_column("gaps_from", pa.array(floor, TS))
    table = table.append_column("silence_from", pa.array([p.start - LOOKBACK for p in periods], TS))
    # gaps.find_gaps reads readings before min(end, now)
    return table.append_column("silence_to", pa.array([min(p.end, now) for p in periods], TS))


def _summaries(
    session: Session, readings: _Readings, part: _Part, shape: Shape
) -> dict[int, list[dict[str, object]]]:
    """Per period (pid), the machines' summary rows: ``report_periods._computed``'s expression
    for every contract of the part at once, over the batch's compacted readings, on the batch's
    engine (the part's tables made for it dropped after)."""
    made: list[str] = []
    try:
        return _summary_rows(session, readings, part, shape, made)
    finally:
        _drop_views(readings.con, made)


def _summary_rows(
    session: Session, readings: _Readings, part: _Part, shape: Shape, made: list[str]
) -> dict[int, list[dict[str, object]]]:
    con = readings.con
    periods = part.periods
    machines = part.machines(lambda c: c.wanted)
    if not machines.num_rows:  # no machine of the part consents: nothing to read
        return {}
    # the consent gate (``consent.consented``'s rule, its serials as a table): status events
    # and the readings heard of each contract's consenting machines; energy of those of them
    # whose account shares energy too
    sharing = set(consenting_serials(session, shape.purpose, "energy", shape.at))
    periods_table = _periods(part, shape)
    ptable = _on_engine(con, periods_table, "contract_periods", made)
    mtable = _on_engine(con, av.period_machines(periods_table, machines), "contract_machines", made)
    energy_machines = part.machines(lambda c: [s for s in c.wanted if s in sharing])
    etable = _on_engine(
        con, av.period_machines(periods_table, energy_machines), "contract_energy", made
    )
    wanted = sorted(set(machines["serial"].to_pylist()))
    listed = None
    if len(wanted) > SHORT_LIST:
        listed = _on_engine(con, pa.table({"serial": pa.array(wanted)}), "contract_serials", made)

    def gated(table: ir.Table) -> ir.Table:
        """The rows of the part's machines: a list of literals when it is short (the engine
        filters the files as it reads them, as ``only_serials`` does), else a semi-join."""
        if listed is None:
            return table.filter(table.serial.isin(wanted))
        return table.semi_join(listed, table.serial == listed.serial)

    status = gated(readings.status_in(av.periods_months(periods, shape.horizon)))
    months = sorted({m for p in periods for m in av.months_between(p.start - shape.horizon, p.end)})
    measure = readings.measure_in(months)
    heard = gated(measure)
    newest = av.newest_readings_periods(status, heard, mtable, per_machine=True)
    iv = av.status_intervals_periods(
        status, mtable, newest, shape.horizon, shape.silence_after_down, per_machine=True
    )
    cut = _gaps(readings, part, shape, mtable, gated)
    if cut.num_rows:
        iv = av.without_gaps(
            iv, _on_engine(con, cut, "contract_gaps", made), shape.silence_after_down, by=KEY
        )
    laid = part.records()
    if laid.num_rows:  # records laid over the periods that have any (report_periods._overlaid)
        rtable = _on_engine(con, laid, "contract_records", made)
        some_pids = rtable.select("pid").distinct()
        cols = ["pid", "serial", "state", "s", "e", "new_stop"]
        some = iv.semi_join(some_pids, iv.pid == some_pids.pid)
        rest = iv.anti_join(some_pids, iv.pid == some_pids.pid)
        iv = ibis.union(rest.select(*cols), av.overlay(some, rtable, by=KEY).select(*cols))
    wtable = _on_engine(con, part.windows(), "contract_windows", made) if shape.windows else None
    summary = av.summarize_periods(iv, ptable, wtable)
    energy = av.energy_periods(measure, etable, per_machine=True)
    result = av.with_energy(summary, energy, by=KEY)
    rows: dict[int, list[dict[str, object]]] = {}
    for row in layout.arrow(con, result.order_by(["pid", "serial"])).to_pylist():
        rows.setdefault(int(row["pid"]), []).append(row)
    return rows


def _evaluate(session: Session, readings: _Readings, items: list[_Contract]) -> None:
    """Each contract's months of a part (contracts of one shape, prepared) as the report shows
    them (``results``): one evaluation on the engine for all, then each settled on the driver."""
    shape = items[0].shape
    part = _Part(items)
    rows = _summaries(session, readings, part, shape)
    for item in items:
        accounts = {m.account_id for m in item.machines}
        record_use(session, item.options.purpose, item.options.use, accounts)
    for pid, (i, k) in enumerate(part.owner):
        item, period = items[i], part.periods[pid]
        mine = _asset_rows(rows.get(pid, []), item.wanted, part.scheduled[pid])
        result = settled(item.contract, period, item.serials, mine, [])
        item.results.append(month_result(item.contract, item.months[k], result))
    for item in items:  # the driver keeps the results of the parts done, not their inputs
        item.records = []


def evaluate_contract(
    session: Session,
    readings: _Readings,
    contract: AvailabilityContract,
    months: list[str],
    expected_interval_s: int = 0,
    at: datetime | None = None,
) -> list[MonthResult]:
    """The contract's result for each of ``months`` it is in force in, as the report shows it
    (``report.month_result`` of ``evaluate_periods``'s evaluation), computed on the engine: a
    part of one contract."""
    item = _planned(contract, months, expected_interval_s, at)
    if item is None:
        return []
    _evaluate(session, readings, [_prepared(session, item)])
    return item.results


def _evaluated_all(
    session: Session,
    readings: _Readings,
    contracts: list[AvailabilityContract],
    months: list[str],
    expected_interval_s: int = 0,
    at: datetime | None = None,
    group_size: int = GROUP_SIZE,
) -> list[_Contract | None]:
    """Each contract evaluated (None: in force in none of the months), by shape and part."""
    if group_size < 1:
        raise InvalidInput("group_size must be at least 1")
    items = [_planned(c, months, expected_interval_s, at) for c in contracts]
    shapes: dict[Shape, list[_Contract]] = {}
    for item in items:
        if item is not None:
            shapes.setdefault(item.shape, []).append(item)
    for same in shapes.values():
        for part in _parts(session, same, group_size):
            _evaluate(session, readings, part)
    return items


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def contract_availability(ctx: Context, group_size: int | None = None) -> tuple[int, int]:
    """Every availability contract's months (those of the batch's telemetry it is in force
    in): measured availability, coverage, band and money, as the contract report shows them.
    Contracts of one shape are evaluated together, ``group_size`` at most (default
    ``GROUP_SIZE``; 1: one by one, as the stage once ran)."""
    settings = ctx.settings or Settings()
    out: list[dict[str, object]] = []
    contracts = 0
    if layout.exists(ctx.out_dir, "compact", "status"):
        readings = _Readings(ctx)
        months = _months(ctx)
        with _session(ctx) as session, batched(session):
            found = contracts_repo.all_contracts(session)
            contracts = len(found)
            evaluated = _evaluated_all(
                session,
                readings,
                found,
                months,
                settings.telemetry_expected_interval_s,
                group_size=group_size or GROUP_SIZE,
            )
            for contract, item in zip(found, evaluated, strict=True):
                machines = len(item.serials) if item is not None else 0
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
                    for r in (item.results if item is not None else [])
                ]
    table = pa.Table.from_pylist(out, schema=SCHEMA)
    layout.write_arrow(ctx.con, table, ctx.out_dir, OUTPUT)
    return contracts, table.num_rows
