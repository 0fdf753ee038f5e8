"""Availability and reliability per asset and period, as Ibis expressions (DuckDB, PostgreSQL, Spark).

Formulas and edge cases are documented in docs/telemetry.md. In short: a status event's state
holds until the asset's next event, at most ``horizon`` and never past the asset's newest
reading (a ``down`` holds until the next event); time no event covers is unknown, and so is the
time of a telemetry gap (``without_gaps``; a ``down`` holds through it by default).
availability = uptime / (scheduled − planned maintenance − excluded), over known time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from servitize.telemetry.frames import to_arrow  # noqa: F401  (re-exported)

UP_STATES = ("running", "idle")
DOWN = "down"
PLANNED = "planned_maintenance"
EXCLUDED = "excluded"
PRIORITY = {"running": 1, "idle": 1, DOWN: 2, PLANNED: 3, EXCLUDED: 4}
DEFAULT_HORIZON = timedelta(days=7)
# How far before and after a period events are read: a stop silent this long still counts.
LOOKAROUND = timedelta(days=92)
SILENCE_DOWN, SILENCE_UNKNOWN = "down", "unknown"
SILENCE_RULES = (SILENCE_DOWN, SILENCE_UNKNOWN)

INTERVALS = pa.schema(
    [
        ("serial", pa.string()),
        ("state", pa.string()),
        ("s", pa.timestamp("us", tz="UTC")),
        ("e", pa.timestamp("us", tz="UTC")),
        ("new_stop", pa.bool_()),
    ]
)
WINDOWS = pa.schema([("ws", pa.timestamp("us", tz="UTC")), ("we", pa.timestamp("us", tz="UTC"))])
GAPS = pa.schema(
    [
        ("serial", pa.string()),
        ("gs", pa.timestamp("us", tz="UTC")),
        ("ge", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end) in UTC."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        """Its length in hours."""
        return (self.end - self.start).total_seconds() / 3600


def month_period(month: str) -> Period:
    """The period of a month given as YYYY-MM."""
    start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end)


def months_between(start: datetime, end: datetime) -> list[str]:
    """The YYYY-MM months a range touches."""
    out, cursor = [], start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cursor < end:
        out.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def _hours(s: ir.TimestampValue, e: ir.TimestampValue) -> ir.FloatingValue:
    return (e.epoch_seconds() - s.epoch_seconds()).cast("float64") / 3600.0


def status_intervals(
    status: ir.Table,
    period: Period,
    horizon: timedelta = DEFAULT_HORIZON,
    silence_after_down: str = SILENCE_DOWN,
    newest: ir.Table | None = None,
) -> ir.Table:
    """Status events → (serial, state, s, e, new_stop): each state until the next event or horizon.

    A state holds until the asset's next event, at most ``horizon``, and never past the newest
    reading received from that asset (``newest``: serial, newest; default: its newest status
    event), so no observation is unknown, never 100 %. With ``silence_after_down`` "down" (the
    default) a ``down`` holds until the next event however long the machine stays silent.
    ``status`` should reach ``LOOKAROUND`` beyond the period on both sides (see ``status_months``).
    Intervals are not yet clipped to the period; ``new_stop`` marks a ``down`` that follows a
    state other than ``down`` (or no known state): an unplanned stop begins there.
    """
    lo = ibis.literal(period.start - horizon - LOOKAROUND)
    t = status.filter(status.ts >= lo).select("serial", "ts", "state")
    if newest is None:  # the asset's newest status event
        t = t.mutate(newest=t.ts.max().over(ibis.window(group_by=t.serial)))
    else:
        t = t.join(newest, t.serial == newest.serial).select(t.serial, t.ts, t.state, newest.newest)
    w = ibis.window(group_by=t.serial, order_by=[t.ts, t.state])
    t = t.mutate(next_ts=t.ts.lead().over(w), prev_state=t.state.lag().over(w))
    limit = t.ts + ibis.interval(seconds=int(horizon.total_seconds()))
    newest = ibis.greatest(t.newest, t.ts)
    end = ibis.least(ibis.coalesce(t.next_ts, limit), limit, newest)
    if silence_after_down == SILENCE_DOWN:  # down until the next event (or the newest reading)
        end = ibis.ifelse(t.state == DOWN, ibis.coalesce(t.next_ts, newest), end)
    t = t.mutate(e=end)
    t = t.mutate(prev_e=t.e.lag().over(ibis.window(group_by=t.serial, order_by=[t.ts, t.state])))
    gap_before = t.prev_e.isnull() | (t.prev_e < t.ts)
    new_stop = (t.state == DOWN) & (gap_before | (t.prev_state != DOWN))
    out = t.select(serial=t.serial, state=t.state, s=t.ts, e=t.e, new_stop=new_stop)
    return out.filter(
        out.e > out.s, out.s < ibis.literal(period.end), out.e > ibis.literal(period.start)
    )


def without_gaps(
    intervals: ir.Table,
    gaps: ir.Table,
    silence_after_down: str = SILENCE_DOWN,
    by: tuple[str, ...] = (),
) -> ir.Table:
    """Cut telemetry gaps (serial, gs, ge) out of status intervals: a gap's time is unknown.

    Readings were lost in a gap, so the state before it is not known to hold through it: its
    time is neither up nor down and lowers coverage. The contract's rule for silence after
    ``down`` decides a stop: with "down" (the default) a ``down`` holds through a gap until the
    next event, like any silence after a stop; with "unknown" a ``down`` ends where its first gap
    begins (unknown until the next event, so a stop is never counted twice). A piece after a gap
    is no new stop. Downtime records are laid over afterwards (``overlay``) and still count.
    ``by``: further key columns of both tables (a contract's months: ``("pid",)``), each key cut
    on its own as if alone.
    """
    iv = intervals.select(*by, "serial", "state", "s", "e", "new_stop")
    g = gaps.select(*by, "serial", "gs", "ge")
    keys = [*by, "serial"]
    touched = g.select(*keys).distinct()
    # only the machines with a gap are cut; the others pass unchanged
    untouched = iv.anti_join(touched, [iv[k] == touched[k] for k in keys])
    iv = iv.semi_join(touched, [iv[k] == touched[k] for k in keys])
    kept = iv.filter(iv.state == DOWN) if silence_after_down == SILENCE_DOWN else None
    cut = iv.filter(iv.state != DOWN) if kept is not None else iv
    j = cut.join(g, [*(cut[k] == g[k] for k in keys), g.gs < cut.e, g.ge > cut.s])
    key = {**{k: j[k] for k in keys}, "state": j.state, "s": j.s}
    points = ibis.union(
        cut.select(*keys, "state", "s", p=cut.s),
        cut.select(*keys, "state", "s", p=cut.e),
        j.select(**key, p=ibis.greatest(j.gs, j.s)),
        j.select(**key, p=ibis.least(j.ge, j.e)),
        distinct=True,
    )
    w = ibis.window(
        group_by=[*(points[k] for k in keys), points.state, points.s], order_by=points.p
    )
    seg = points.mutate(q=points.p.lead().over(w))
    seg = seg.filter(seg.q.notnull(), seg.q > seg.p)
    g2 = g.view()
    seg = seg.anti_join(g2, [*(seg[k] == g2[k] for k in keys), g2.gs <= seg.p, g2.ge >= seg.q])
    if kept is None:  # "unknown": a stop's time ends where its first gap begins
        seg = seg.filter((seg.state != DOWN) | (seg.p == seg.s))
    src = cut.view()
    back = seg.join(
        src, [*(seg[k] == src[k] for k in keys), seg.state == src.state, seg.s == src.s]
    )
    pieces = back.select(
        **{k: seg[k] for k in by},
        serial=seg.serial,
        state=seg.state,
        s=seg.p,
        e=seg.q,
        new_stop=src.new_stop & (seg.p == seg.s),
    )
    return ibis.union(untouched, pieces) if kept is None else ibis.union(untouched, kept, pieces)


def status_months(period: Period, horizon: timedelta = DEFAULT_HORIZON) -> list[str]:
    """The store months ``status_intervals`` reads for a period (the look-around on both sides)."""
    return months_between(period.start - horizon - LOOKAROUND, period.end + LOOKAROUND)


def newest_readings(*tables: ir.Table) -> ir.Table:
    """(serial, newest): the newest reading time per serial over tables with serial and ts."""
    parts = [t.select("serial", "ts") for t in tables]
    both = parts[0] if len(parts) == 1 else ibis.union(*parts)
    return both.group_by("serial").aggregate(newest=both.ts.max())


def overlay(intervals: ir.Table, records: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """Lay downtime records (serial, state, s, e) over intervals; the higher priority wins.

    Priorities: excluded > planned_maintenance > down > running/idle. Overlapping inputs are
    cut at every boundary into elementary segments, each taking the state of highest priority.
    ``by``: further key columns of both tables (``("pid",)``), each key laid over on its own.
    """
    keys = [*by, "serial"]
    rec = records.select(*keys, "state", "s", "e").mutate(new_stop=ibis.literal(False))
    both = intervals.select(*keys, "state", "s", "e", "new_stop").union(rec)
    prio = ibis.cases(*[(both.state == k, v) for k, v in PRIORITY.items()], else_=0)
    both = both.mutate(prio=prio)
    points = both.select(*keys, p=both.s).union(both.select(*keys, p=both.e), distinct=True)
    w = ibis.window(group_by=[points[k] for k in keys], order_by=points.p)
    seg = points.mutate(q=points.p.lead().over(w))
    seg = seg.filter(seg.q.notnull())
    j = seg.join(both, [*(seg[k] == both[k] for k in keys), both.s <= seg.p, both.e >= seg.q])
    j = j.select(
        **{k: seg[k] for k in by},
        serial=seg.serial,
        p=seg.p,
        q=seg.q,
        state=both.state,
        prio=both.prio,
        started=(both.new_stop & (both.s == seg.p)),
    )
    top = j.mutate(
        rank=ibis.row_number().over(
            group_by=[*(j[k] for k in keys), j.p],
            order_by=[ibis.desc(j.prio), ibis.desc(j.started)],
        )
    )
    top = top.filter(top.rank == 0)
    w2 = ibis.window(group_by=[top[k] for k in keys], order_by=top.p)
    top = top.mutate(prev_state=top.state.lag().over(w2), prev_q=top.q.lag().over(w2))
    new_stop = (top.state == DOWN) & (
        top.prev_state.isnull() | (top.prev_state != DOWN) | (top.prev_q != top.p)
    )
    return top.select(
        *(top[k] for k in by),
        serial=top.serial,
        state=top.state,
        s=top.p,
        e=top.q,
        new_stop=new_stop,
    )


def _hour_sums(clipped: ir.Table, keys: list[str]) -> ir.Table:
    """Hours per state class and the failures (stops that start a downtime) per key, over the
    intervals clipped to their period (empty intervals left out)."""
    c = clipped.filter(clipped.e > clipped.s)
    h = _hours(c.s, c.e)
    up = c.state.isin(UP_STATES)
    return c.group_by(keys).aggregate(
        uptime_hours=ibis.ifelse(up, h, 0.0).sum(),
        running_hours=ibis.ifelse(c.state == "running", h, 0.0).sum(),
        downtime_hours=ibis.ifelse(c.state == DOWN, h, 0.0).sum(),
        planned_maintenance_hours=ibis.ifelse(c.state == PLANNED, h, 0.0).sum(),
        excluded_hours=ibis.ifelse(c.state == EXCLUDED, h, 0.0).sum(),
        known_hours=h.sum(),
        failures=ibis.ifelse(c.new_stop & (c.state == DOWN), 1, 0).sum().cast("int64"),
    )


def summarize(intervals: ir.Table, period: Period, windows: pa.Table | None = None) -> ir.Table:
    """Per serial: hours by category, failures, availability, MTBF, MTTR for the period.

    ``windows`` (ws, we) is the scheduled time (a shift calendar); None means 24/7.
    """
    lo, hi = ibis.literal(period.start), ibis.literal(period.end)
    iv = intervals
    if windows is None:
        s, e = ibis.greatest(iv.s, lo), ibis.least(iv.e, hi)
        scheduled = period.hours
        clipped = iv.select(
            serial=iv.serial, state=iv.state, s=s, e=e, new_stop=iv.new_stop & (iv.s >= lo)
        )
    else:
        win = ibis.memtable(windows.cast(WINDOWS))
        j = iv.join(win, [iv.s < win.we, iv.e > win.ws])
        s, e = ibis.greatest(j.s, j.ws, lo), ibis.least(j.e, j.we, hi)
        clipped = j.select(
            serial=j.serial,
            state=j.state,
            s=s,
            e=e,
            new_stop=j.new_stop & (j.s >= j.ws) & (j.s >= lo),
        )
        scheduled = _window_hours(windows, period)
    agg = _hour_sums(clipped, ["serial"])
    denominator = agg.uptime_hours + agg.downtime_hours
    fails = agg.failures.nullif(0).cast("float64")
    # Ibis renders float literals as NUMERIC on PostgreSQL; arithmetic on a double keeps the type.
    as_double = agg.known_hours * 0.0
    return agg.mutate(
        scheduled_hours=as_double + scheduled,
        coverage=agg.known_hours / ibis.literal(scheduled or None, type="float64"),
        availability=ibis.ifelse(
            denominator > 0, agg.uptime_hours / denominator.nullif(0), ibis.null("float64")
        ),
        mtbf_hours=agg.uptime_hours / fails,
        mttr_hours=agg.downtime_hours / fails,
    )


def energy(measure: ir.Table, period: Period, metric: str = "energy_kwh") -> ir.Table:
    """Energy per serial in the period: the sum of ``metric`` readings (kWh consumed per reading)."""
    m = measure.filter(
        measure.metric == metric,
        measure.ts >= ibis.literal(period.start),
        measure.ts < ibis.literal(period.end),
    )
    return m.group_by("serial").aggregate(energy_kwh=m.value.sum())


def with_energy(summary: ir.Table, energies: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """Add energy and energy per operating (running) hour to a summary (``by``: further keys)."""
    keys = [*by, "serial"]
    j = summary.left_join(energies, [summary[k] == energies[k] for k in keys]).drop(
        *(f"{k}_right" for k in keys)
    )
    return j.mutate(energy_per_operating_hour=j.energy_kwh / j.running_hours.nullif(0.0))


def _window_hours(windows: pa.Table, period: Period) -> float:
    total = 0.0
    for ws, we in zip(
        windows.column("ws").to_pylist(), windows.column("we").to_pylist(), strict=True
    ):
        s, e = max(ws, period.start), min(we, period.end)
        total += max((e - s).total_seconds(), 0.0) / 3600
    return total


def availability(
    status: ir.Table,
    period: Period,
    *,
    records: ir.Table | None = None,
    windows: pa.Table | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    silence_after_down: str = SILENCE_DOWN,
    gaps: ir.Table | None = None,
) -> ir.Table:
    """The whole path: status events (− telemetry gaps, + downtime records, + calendar) → per-serial summary."""
    intervals = status_intervals(status, period, horizon, silence_after_down)
    if gaps is not None:
        intervals = without_gaps(intervals, gaps, silence_after_down)
    if records is not None:
        intervals = overlay(intervals, records)
    return summarize(intervals, period, windows)


# Many periods at once (a contract's months): one expression with the periods as a table, each
# period's figures exactly those of the single-period path above, read window included.
PERIODS = pa.schema(
    [
        ("pid", pa.int64()),
        ("ps", pa.timestamp("us", tz="UTC")),  # the period
        ("pe", pa.timestamp("us", tz="UTC")),
        ("lo", pa.timestamp("us", tz="UTC")),  # status events read from (status_intervals)
        ("status_from", pa.timestamp("us", tz="UTC")),  # the store months status_months reads
        ("status_to", pa.timestamp("us", tz="UTC")),
        ("heard_from", pa.timestamp("us", tz="UTC")),  # the months of readings that count as heard
        ("heard_to", pa.timestamp("us", tz="UTC")),
        ("scheduled", pa.float64()),  # scheduled hours of one machine
    ]
)
PERIOD_WINDOWS = pa.schema(
    [
        ("pid", pa.int64()),
        ("ws", pa.timestamp("us", tz="UTC")),
        ("we", pa.timestamp("us", tz="UTC")),
    ]
)


def _month_floor(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _month_ceil(moment: datetime) -> datetime:
    """The first month boundary at or after ``moment`` (the end of what months_between reads)."""
    floor = _month_floor(moment)
    return floor if floor == moment else (floor + timedelta(days=32)).replace(day=1)


def periods_table(
    periods: list[Period],
    scheduled: list[float] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> pa.Table:
    """The periods as a table (pid = position) with the bounds each one's computation reads:
    status events from ``lo`` within the months of ``status_months``, readings heard within
    the months from ``start - horizon`` to ``end``; ``scheduled`` hours per machine (default:
    the whole period)."""
    hours = scheduled if scheduled is not None else [p.hours for p in periods]
    rows = [
        (
            i,
            p.start,
            p.end,
            p.start - horizon - LOOKAROUND,
            _month_floor(p.start - horizon - LOOKAROUND),
            _month_ceil(p.end + LOOKAROUND),
            _month_floor(p.start - horizon),
            _month_ceil(p.end),
            float(h),
        )
        for i, (p, h) in enumerate(zip(periods, hours, strict=True))
    ]
    return pa.table(
        {name: [r[k] for r in rows] for k, name in enumerate(PERIODS.names)}, schema=PERIODS
    )


def periods_months(periods: list[Period], horizon: timedelta = DEFAULT_HORIZON) -> list[str]:
    """The store months of status events the periods read (``status_months`` of each)."""
    return sorted({m for p in periods for m in status_months(p, horizon)})


def newest_readings_periods(
    status: ir.Table, heard: ir.Table, periods: ir.Table, *, per_machine: bool = False
) -> ir.Table:
    """(pid, serial, newest) per period: ``newest_readings`` over what each period reads.
    ``per_machine``: ``periods`` has a row per period and machine (``period_machines``), and
    each period reads only its own machines."""
    p1 = periods.view()
    on = [status.ts >= p1.status_from, status.ts < p1.status_to]
    s = status.join(p1, [*on, *_same_machine(status, p1, per_machine)]).select(
        pid=p1.pid, serial=status.serial, ts=status.ts
    )
    p2 = periods.view()
    on = [heard.ts >= p2.heard_from, heard.ts < p2.heard_to]
    h = heard.join(p2, [*on, *_same_machine(heard, p2, per_machine)]).select(
        pid=p2.pid, serial=heard.serial, ts=heard.ts
    )
    both = ibis.union(s, h)
    return both.group_by(["pid", "serial"]).aggregate(newest=both.ts.max())


def status_intervals_periods(
    status: ir.Table,
    periods: ir.Table,
    newest: ir.Table,
    horizon: timedelta = DEFAULT_HORIZON,
    silence_after_down: str = SILENCE_DOWN,
    *,
    per_machine: bool = False,
) -> ir.Table:
    """``status_intervals`` for every period at once → (pid, serial, state, s, e, new_stop).

    Each event's neighbours are found once over all events; in a period an event keeps its next
    one only when that falls inside what the period reads (before ``status_to``) and its previous
    one only when that is not older than ``lo``, as the single-period path reads them. An event
    joins only the periods it can reach: from ``lo`` on when it is a ``down`` that holds through
    silence, else from ``horizon`` before the period's start (``per_machine``: and only the
    periods of its own machine, ``periods`` having a row per period and machine).
    """
    hold = silence_after_down == SILENCE_DOWN
    w = ibis.window(group_by=status.serial, order_by=[status.ts, status.state])
    ev = status.select("serial", "ts", "state").mutate(
        next_ts=status.ts.lead().over(w),
        prev_ts=status.ts.lag().over(w),
        prev_state=status.state.lag().over(w),
    )
    p = periods.view()
    span = ibis.interval(seconds=int(horizon.total_seconds()))
    reach = (ev.ts >= p.ps - span) | (ev.state == DOWN) if hold else ev.ts >= p.ps - span
    j = ev.join(p, [ev.ts >= p.lo, ev.ts < p.pe, reach, *_same_machine(ev, p, per_machine)]).select(
        pid=p.pid,
        serial=ev.serial,
        ts=ev.ts,
        state=ev.state,
        next_ts=ibis.ifelse(ev.next_ts < p.status_to, ev.next_ts, ibis.null(ev.ts.type())),
        has_prev=ev.prev_ts.notnull() & (ev.prev_ts >= p.lo),
        prev_ts=ev.prev_ts,
        prev_state=ev.prev_state,
        ps=p.ps,
        pe=p.pe,
    )
    n = newest.view()
    t = j.join(n, [j.pid == n.pid, j.serial == n.serial]).select(j, newest=n.newest)
    limit = t.ts + span
    last = ibis.greatest(t.newest, t.ts)
    end = ibis.least(ibis.coalesce(t.next_ts, limit), limit, last)
    if hold:  # down until the next event (or the newest reading)
        end = ibis.ifelse(t.state == DOWN, ibis.coalesce(t.next_ts, last), end)
    # the previous event's end: its next event is this one
    prev_last = ibis.greatest(t.newest, t.prev_ts)
    prev_end = ibis.least(t.ts, t.prev_ts + span, prev_last)
    if hold:
        prev_end = ibis.ifelse(t.prev_state == DOWN, t.ts, prev_end)
    gap_before = ~t.has_prev | (prev_end < t.ts)
    new_stop = (t.state == DOWN) & (gap_before | (t.prev_state != DOWN))
    out = t.select(
        pid=t.pid,
        serial=t.serial,
        state=t.state,
        s=t.ts,
        e=end,
        new_stop=new_stop,
        ps=t.ps,
        pe=t.pe,
    )
    return out.filter(out.e > out.s, out.s < out.pe, out.e > out.ps).drop("ps", "pe")


def summarize_periods(
    intervals: ir.Table, periods: ir.Table, windows: ir.Table | None = None
) -> ir.Table:
    """``summarize`` per (pid, serial): intervals clipped to their period (and its scheduled
    ``windows`` (pid, ws, we); None: 24/7), scheduled hours from the periods table."""
    p = periods.view()
    iv = intervals.join(p, intervals.pid == p.pid).select(intervals, ps=p.ps, pe=p.pe)
    if windows is None:
        s, e = ibis.greatest(iv.s, iv.ps), ibis.least(iv.e, iv.pe)
        clipped = iv.select(
            pid=iv.pid,
            serial=iv.serial,
            state=iv.state,
            s=s,
            e=e,
            new_stop=iv.new_stop & (iv.s >= iv.ps),
        )
    else:
        win = windows.view()
        j = iv.join(win, [iv.pid == win.pid, iv.s < win.we, iv.e > win.ws])
        s, e = ibis.greatest(j.s, j.ws, j.ps), ibis.least(j.e, j.we, j.pe)
        clipped = j.select(
            pid=j.pid,
            serial=j.serial,
            state=j.state,
            s=s,
            e=e,
            new_stop=j.new_stop & (j.s >= j.ws) & (j.s >= j.ps),
        )
    agg = _hour_sums(clipped, ["pid", "serial"])
    q = periods.view()
    agg = agg.join(q, agg.pid == q.pid).select(agg, scheduled=q.scheduled)
    denominator = agg.uptime_hours + agg.downtime_hours
    fails = agg.failures.nullif(0).cast("float64")
    return agg.mutate(
        scheduled_hours=agg.known_hours * 0.0 + agg.scheduled,
        coverage=agg.known_hours / agg.scheduled.nullif(0.0),
        availability=ibis.ifelse(
            denominator > 0, agg.uptime_hours / denominator.nullif(0), ibis.null("float64")
        ),
        mtbf_hours=agg.uptime_hours / fails,
        mttr_hours=agg.downtime_hours / fails,
    ).drop("scheduled")


def energy_periods(
    measure: ir.Table, periods: ir.Table, metric: str = "energy_kwh", *, per_machine: bool = False
) -> ir.Table:
    """``energy`` per (pid, serial): the ``metric`` readings inside each period (``per_machine``:
    of the period's own machines)."""
    p = periods.view()
    m = measure.filter(measure.metric == metric)
    on = [m.ts >= p.ps, m.ts < p.pe, *_same_machine(m, p, per_machine)]
    m = m.join(p, on).select(pid=p.pid, serial=m.serial, value=m.value)
    return m.group_by(["pid", "serial"]).aggregate(energy_kwh=m.value.sum())


def _same_machine(rows: ir.Table, periods: ir.Table, per_machine: bool) -> list[ir.BooleanValue]:
    """The join's condition that a row belongs to one of the period's machines, when periods
    have a row per machine."""
    return [rows.serial == periods.serial] if per_machine else []


# Many contracts at once (the batch's contract stage): a period is a contract's month, and each
# reads only its own machines: the functions above with ``per_machine`` over a table with a row
# per period and machine (pid, serial and the period's bounds, ``period_machines``) give per
# period and machine the figures of a period table of that contract alone.
PERIOD_MACHINES = pa.schema([("pid", pa.int64()), ("serial", pa.string())])


def period_machines(periods: pa.Table, machines: pa.Table) -> pa.Table:
    """A row per period and machine: ``machines`` (pid, serial) with their period's columns
    (``periods_table``'s, and any the caller added)."""
    m = machines.select(["pid", "serial"]).cast(PERIOD_MACHINES)
    return m.join(periods, "pid", join_type="inner").sort_by([("pid", "ascending")])
