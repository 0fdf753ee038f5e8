"""The telemetry stages: compaction, availability per machine and month, usage to bill.

Each runs the Ibis expressions of ``servitize.telemetry`` on the batch's engine: ``one_per_key``
(the store's idempotency rule), ``status_intervals``, ``without_gaps``, ``summarize``,
``energy`` and ``with_energy`` of ``telemetry.availability``, unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from servitize.batch import engines, layout
from servitize.core.settings import Settings
from servitize.telemetry import availability as av
from servitize.telemetry.store import KEYS, one_per_key

if TYPE_CHECKING:
    from servitize.batch.run import Context

KINDS = ("status", "measure")
GAP_COLUMNS = ("serial", "gs", "ge")
# What the engine holds per reading while it keeps the last received of each key (a window
# over the month's rows): 1 million machines, a month of readings (31 million rows), peaked at
# about 5 GiB on DuckDB. 10 million machines (310 million rows a month) at a 12 GiB limit
# spilled 16 GiB to disk and ran at a third of the CPU it had.
BYTES_PER_READING = 160


def _month(table: ir.Table) -> ir.StringValue:
    return table.ts.strftime("%Y-%m")


def _with_bucket(table: ir.Table, serials: list[str]) -> ir.Table:
    """Add each machine's bucket (see ``layout``) to rows with a serial."""
    keys = ibis.memtable(layout.buckets_table(sorted(serials)))
    joined = table.join(keys, table.serial == keys.serial)
    return joined.select(table, bucket=keys.bucket)


def _per_serial(ctx: Context, table: ir.Table) -> tuple[list[str], int]:
    """The distinct serials of a table and its rows, in one query."""
    counts = layout.arrow(ctx.con, table.group_by("serial").aggregate(n=table.count()))
    return counts["serial"].to_pylist(), int(sum(counts["n"].to_pylist()))


def compaction(ctx: Context) -> tuple[int, int]:
    """The store's readings, one row per key (the last received), by month and bucket.

    A local store is compacted a month at a time: a reading's key holds its moment, and the
    store files a reading under the month of that moment, so the months are independent and
    the engine holds one month's readings at a time (a year in one step wanted ~55 KB per
    machine at 100,000 machines). A store in object storage is read in one pass.
    """
    rows_in = rows_out = 0
    for kind in (*KINDS, "gaps"):
        months = layout.raw_months(ctx.telemetry_dir, kind)
        layout.clear(ctx.out_dir, "compact", kind)
        for month in [None] if months is None else months:
            raw = layout.raw_telemetry(ctx.con, ctx.telemetry_dir, kind, month)
            if raw is None:
                continue
            serials, rows = _per_serial(ctx, raw)
            if month is None:
                deduped = one_per_key(raw, KEYS[kind])
                deduped = _with_bucket(deduped.mutate(month=_month(deduped)), serials)
                layout.write(ctx.con, deduped, ctx.out_dir, "compact", kind)
            else:
                _compact_month(ctx, raw, kind, month, serials, slices(rows, _memory(ctx)))
            if kind in KINDS:
                rows_in += rows
        if kind in KINDS:
            rows_out += layout.written_rows(ctx.con, ctx.out_dir, "compact", kind)
    return rows_in, rows_out


def slices(rows: int, memory: float) -> int:
    """In how many slices of the machines (by bucket) a month of ``rows`` readings is compacted
    so that one slice needs at most half of ``memory``, the bytes the engine may hold (the rest
    is for the scan, the write and Python): 1, 2, 4, 8 or 16 (the buckets)."""
    k = 1
    while k < layout.BUCKETS and rows * BYTES_PER_READING > memory * k / 2:
        k *= 2
    return k


def _memory(ctx: Context) -> float:
    """The bytes the batch's engine may hold (SERVITIZE_BATCH_MEMORY_SHARE of the machine)."""
    return engines.physical_memory() * (ctx.settings or Settings()).batch_memory_share


def _compact_month(
    ctx: Context, raw: ir.Table, kind: str, month: str, serials: list[str], parts: int
) -> None:
    """One store month, one row per key, into ``compact/<kind>/month=/bucket=``; in ``parts``
    slices of the machines (bucket mod ``parts``), each written beside the others, when the
    month is larger than the engine's memory (a key's readings are all of one machine, so a
    slice holds all of them)."""
    where = ("compact", kind, f"month={month}")
    if parts == 1:
        deduped = _with_bucket(one_per_key(raw, KEYS[kind]), serials)
        layout.write(ctx.con, deduped, ctx.out_dir, *where, partition_by=("bucket",))
        return
    keyed = _with_bucket(raw, serials)
    for i in range(parts):
        piece = one_per_key(keyed.filter(keyed.bucket % parts == i), KEYS[kind])
        layout.write(ctx.con, piece, ctx.out_dir, *where, partition_by=("bucket",), replace=i == 0)


def months(ctx: Context, status: ir.Table) -> list[str]:
    """The months the compacted status events fall in, oldest first (a local store: its
    partition folders; object storage: a query)."""
    if not layout.is_remote(ctx.out_dir):
        folder = Path(layout.join(ctx.out_dir, "compact", "status"))
        return sorted(p.name[6:] for p in folder.glob("month=*") if p.is_dir())
    found = layout.arrow(ctx.con, status.select("month").distinct())["month"]
    return sorted(str(m) for m in found.to_pylist())


def _month_status(status: ir.Table, period: av.Period) -> ir.Table:
    """The status events ``status_intervals`` needs for one month, with their bucket.

    It reads ``status_months`` (partition pruning by ``month``) but hands on only what can
    change the month's figures: every event of the month, each machine's last event before it
    (from ``period.start - horizon - LOOKAROUND``: the state the month begins in, until the
    next event) and the moment of its first event after it (where the month's last state ends).
    The events before those end before the month; the later ones begin after it; the newest
    reading of a machine only cuts a state that no later event ends, which is the last one
    either way. A state the month begins in never counts as a failure of the month
    (``summarize`` counts stops that begin in the period), so the events before the last one,
    which only decide whether it began a stop, are left out. Events at the same moment are all
    kept: ``status_intervals`` orders them by state and only the last one holds.
    """
    start, end = ibis.literal(period.start), ibis.literal(period.end)
    lo = ibis.literal(period.start - av.DEFAULT_HORIZON - av.LOOKAROUND)
    st = status.filter(status.month.isin(av.status_months(period)))
    st = st.select("serial", "ts", "state", "bucket")
    inside = st.filter(st.ts >= start, st.ts < end)
    before = st.filter(st.ts >= lo, st.ts < start)
    last = before.group_by("serial").aggregate(last_ts=before.ts.max())
    before = before.semi_join(last, [before.serial == last.serial, before.ts == last.last_ts])
    after = st.filter(st.ts >= end)
    # only its moment is used: the state it begins is after the month (the label is a stand-in)
    first = after.group_by("serial", "bucket").aggregate(ts=after.ts.min())
    first = first.select("serial", "ts", state=ibis.literal("running"), bucket=first.bucket)
    return ibis.union(before, inside, first)


def monthly_availability(
    status: ir.Table, measure: ir.Table | None, gaps: ir.Table | None, month: str
) -> ir.Table:
    """One month's availability and energy per machine (the expressions of docs/telemetry.md),
    with its bucket (from the status partitions the month reads).

    Status is read from the months the look-around needs (``_month_status``).
    """
    period = av.month_period(month)
    st = _month_status(status, period)
    intervals = av.status_intervals(st.select("serial", "ts", "state"), period)
    if gaps is not None:
        g = gaps.filter(gaps.month.isin(av.status_months(period)))
        intervals = av.without_gaps(intervals, g.select(serial=g.serial, gs=g.ts, ge=g.end_ts))
    summary = av.summarize(intervals, period)
    if measure is not None:
        m = measure.filter(measure.month == month).select("serial", "ts", "metric", "value")
        summary = av.with_energy(summary, av.energy(m, period))
    else:
        summary = summary.mutate(
            energy_kwh=ibis.null("float64"), energy_per_operating_hour=ibis.null("float64")
        )
    keys = st.select("serial", "bucket").distinct()
    summary = summary.join(keys, summary.serial == keys.serial).select(summary, bucket=keys.bucket)
    return summary.mutate(month=ibis.literal(month))


def availability(ctx: Context) -> tuple[int, int]:
    """Availability, reliability and energy per machine and month.

    An output folder on local disk is written a month at a time: each month is computed and
    written alone into ``availability/month=YYYY-MM/``, so the engine holds one month's work
    (all months in one expression wanted ~13 KB per machine at 1 million machines); a month
    whose status events and readings are more than half the engine's memory (``slices``) in
    slices of the machines by bucket, as compaction does (at 10 million machines one month
    held 12 GiB and spilled). Object storage: all months in one expression, one write.
    """
    if not layout.exists(ctx.out_dir, "compact", "status"):
        return 0, 0
    status = layout.read(ctx.con, ctx.out_dir, "compact", "status")
    measure = (
        layout.read(ctx.con, ctx.out_dir, "compact", "measure")
        if layout.exists(ctx.out_dir, "compact", "measure")
        else None
    )
    gaps = (
        layout.read(ctx.con, ctx.out_dir, "compact", "gaps")
        if layout.exists(ctx.out_dir, "compact", "gaps")
        else None
    )
    found = months(ctx, status)
    if layout.is_remote(ctx.out_dir):
        parts = [monthly_availability(status, measure, gaps, m) for m in found]
        if not parts:
            return 0, 0
        result = parts[0] if len(parts) == 1 else ibis.union(*parts)
        layout.write(ctx.con, result, ctx.out_dir, "availability")
    else:
        layout.clear(ctx.out_dir, "availability")
        for month in found:
            rows = sum(
                layout.written_rows(ctx.con, ctx.out_dir, "compact", kind, f"month={month}")
                for kind in KINDS
            )
            k = slices(rows, _memory(ctx))
            for i in range(k):
                st, me, ga = (
                    (t if t is None or k == 1 else t.filter(t.bucket % k == i))
                    for t in (status, measure, gaps)
                )
                result = monthly_availability(st, me, ga, month).drop("month")
                layout.write(
                    ctx.con,
                    result,
                    ctx.out_dir,
                    "availability",
                    f"month={month}",
                    partition_by=("bucket",),
                    replace=i == 0,
                )
    rows_out = layout.written_rows(ctx.con, ctx.out_dir, "availability")
    return layout.written_rows(ctx.con, ctx.out_dir, "compact", "status"), rows_out


def billing_usage(ctx: Context) -> tuple[int, int]:
    """What usage contracts bill per machine and month: operating (running) hours and energy.

    Read from the availability stage's output: running hours over known hours, energy in kWh,
    unplanned stops. The billing run (``servitize billing``) still decides, per contract and
    under the ``billing`` consent, which of these it bills.
    """
    if not layout.exists(ctx.out_dir, "availability"):
        return 0, 0
    a = layout.read(ctx.con, ctx.out_dir, "availability")
    usage = a.select(
        "serial",
        "month",
        "bucket",
        operating_hours=a.running_hours,
        known_hours=a.known_hours,
        energy_kwh=a.energy_kwh,
        unplanned_stops=a.failures,
    )
    layout.write(ctx.con, usage, ctx.out_dir, "usage")
    return (
        layout.written_rows(ctx.con, ctx.out_dir, "availability"),
        layout.written_rows(ctx.con, ctx.out_dir, "usage"),
    )
