"""Telemetry gaps: stretches of time in which a machine's readings did not reach the store.

Two signs, both shown per machine, on the contract report and by ``servitize telemetry gaps``:
- ``sequence``: the payload's optional ``seq`` jumped (the listener stores these as they
  happen, with the number of readings that never arrived), e.g. while the listener was down
  and the broker's queue overflowed;
- ``silence``: no reading for longer than the expected interval
  (``SERVITIZE_TELEMETRY_EXPECTED_INTERVAL_S``; 0 turns this sign off), found from the stored
  readings when asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ibis

from servitize.core.db import as_utc
from servitize.telemetry import duck
from servitize.telemetry.availability import months_between
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.store import TelemetryStore

LOOKBACK = timedelta(days=7)  # how far before a period a last reading is looked for


@dataclass(frozen=True)
class Gap:
    """A stretch without telemetry for one machine."""

    serial: str
    start: datetime
    end: datetime
    kind: str  # "sequence" or "silence"
    missing: int | None = None  # readings that never arrived (sequence gaps)

    def label(self) -> str:
        """``telemetry gap 14:02–14:07`` (dates added when it is not one day)."""
        same_day = self.start.date() == self.end.date()
        fmt_start = "%Y-%m-%d %H:%M"
        fmt_end = "%H:%M" if same_day else "%Y-%m-%d %H:%M"
        return f"telemetry gap {self.start:{fmt_start}}–{self.end:{fmt_end}}"

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {
            "serial": self.serial,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "missing": self.missing,
            "minutes": round((self.end - self.start).total_seconds() / 60, 1),
        }


def find_gaps(
    store: TelemetryStore,
    serials: Iterable[str] | None,
    start: datetime,
    end: datetime,
    expected_interval_s: int = 0,
    now: datetime | None = None,
) -> list[Gap]:
    """The gaps of the machines (None: all) that overlap [start, end), clipped to it, by time."""
    start, end = as_utc(start), as_utc(end)
    wanted = None if serials is None else set(serials)
    out = _sequence_gaps(store, wanted, start, end)
    if expected_interval_s > 0:
        out += _silence_gaps(
            store, wanted, start, end, expected_interval_s, as_utc(now or datetime.now(UTC))
        )
    return merge_gaps(out)


def merge_gaps(gaps: Iterable[Gap]) -> list[Gap]:
    """One gap per overlapping stretch of a machine (a sequence gap is usually also a silence),
    by machine and time."""
    out: list[Gap] = []
    for gap in sorted(gaps, key=lambda g: (g.serial, g.start, g.kind)):
        prev = out[-1] if out else None
        if prev is None or prev.serial != gap.serial or gap.start > prev.end:
            out.append(gap)
            continue
        kind = "sequence" if "sequence" in (prev.kind, gap.kind) else prev.kind
        missing = (prev.missing or 0) + (gap.missing or 0) if kind == "sequence" else None
        out[-1] = Gap(prev.serial, prev.start, max(prev.end, gap.end), kind, missing)
    return out


def _sequence_gaps(
    store: TelemetryStore, wanted: set[str] | None, start: datetime, end: datetime
) -> list[Gap]:
    months = [m for m in months_between(start - LOOKBACK, end) if m in set(store.months("gaps"))]
    if not months:
        return []
    seen, out = set(), []
    for row in store.arrow("gaps", months).to_pylist():
        key = (row["serial"], row["ts"], row["end_ts"])
        if key in seen or (wanted is not None and row["serial"] not in wanted):
            continue
        seen.add(key)
        if row["end_ts"] > start and row["ts"] < end:
            out.append(
                Gap(
                    row["serial"],
                    max(row["ts"], start),
                    min(row["end_ts"], end),
                    "sequence",
                    row["missing"],
                )
            )
    return out


def _silence_gaps(
    store: TelemetryStore,
    wanted: set[str] | None,
    start: datetime,
    end: datetime,
    interval_s: int,
    now: datetime,
) -> list[Gap]:
    """Consecutive readings of a machine further apart than the interval, and the time since its
    last reading when that is longer (up to ``now`` or the period's end)."""
    lo, hi = start - LOOKBACK, min(end, now)
    con = duck.backend()  # a cursor of the process's database: no new database per call
    try:
        parts = []
        for kind in ("status", "measure"):
            months = [m for m in months_between(lo, end) if m in set(store.months(kind))]
            if not months:
                continue
            t = store.table(con, kind, months)
            t = t.filter((t.ts >= lo) & (t.ts < hi))
            if wanted is not None:
                t = t.filter(t.serial.isin(sorted(wanted)))
            parts.append(t.select("serial", "ts"))
        if not parts:
            return []
        readings = parts[0] if len(parts) == 1 else parts[0].union(parts[1], distinct=True)
        w = ibis.window(group_by="serial", order_by="ts")
        nxt = readings.mutate(gap_end=readings.ts.lead().over(w).fill_null(ibis.literal(hi)))
        silent = nxt.filter(
            ((nxt.gap_end.epoch_seconds() - nxt.ts.epoch_seconds()) > interval_s)
            & (nxt.gap_end > start)
            & (nxt.ts < end)
        )
        rows = to_arrow(silent).to_pylist()
    finally:
        con.disconnect()
    return [Gap(r["serial"], max(r["ts"], start), min(r["gap_end"], end), "silence") for r in rows]


def report_lines(
    store: TelemetryStore,
    serials: Iterable[str],
    start: datetime,
    end: datetime,
    expected_interval_s: int = 0,
    silence_after_down: str = "down",
) -> list[str]:
    """The gap lines of a contract report: ``M1: telemetry gap 2026-10-05 14:02–14:07 (5 readings
    missing), counted as unknown``; silence counts only with an expected interval (the edge passes
    the setting; 0: sequence gaps only). Availability
    counts a gap's time as unknown (``availability.without_gaps``); under the contract's default
    rule for silence after ``down`` a stop in progress stays down through it, and the line says so."""
    serials = list(serials)
    if not serials:
        return []
    lines = []
    for g in find_gaps(
        store, serials, start, end, expected_interval_s, now=min(as_utc(end), datetime.now(UTC))
    ):
        what = (
            f"{g.missing} readings missing"
            if g.missing
            else f"no reading for {g.as_dict()['minutes']} min"
        )
        rule = "; a stop in progress stays down" if silence_after_down == "down" else ""
        lines.append(f"{g.serial}: {g.label()} ({what}), counted as unknown{rule}")
    return lines


def recent_gaps(
    store: TelemetryStore,
    serials: Iterable[str],
    days: int,
    expected_interval_s: int,
    now: datetime | None = None,
) -> list[Gap]:
    """The gaps of these machines in the last ``days`` days up to ``now``, newest first (the
    machine page's list and the contracts page's alert)."""
    wanted = list(serials)
    if not wanted:
        return []
    end = as_utc(now or datetime.now(UTC))
    found = find_gaps(store, wanted, end - timedelta(days=days), end, expected_interval_s, now=end)
    return sorted(found, key=lambda g: g.start, reverse=True)


@dataclass(frozen=True)
class GapAlert:
    """A machine with telemetry gaps lately: how many, and the latest one in words."""

    serial: str
    asset_id: int
    model: str | None
    gaps: int
    latest: str


def gap_alerts(
    store: TelemetryStore,
    machines: dict[str, tuple[int, str | None]],
    days: int,
    expected_interval_s: int,
) -> list[GapAlert]:
    """The machines (serial → asset id, model) with a telemetry gap in the last ``days`` days,
    by serial (the contracts page's alert)."""
    found = recent_gaps(store, machines, days, expected_interval_s)
    counts: dict[str, int] = {}
    latest: dict[str, str] = {}
    for g in found:  # newest first: the first gap of a serial is its latest
        counts[g.serial] = counts.get(g.serial, 0) + 1
        latest.setdefault(g.serial, g.label())
    return [
        GapAlert(serial, machines[serial][0], machines[serial][1], counts[serial], latest[serial])
        for serial in sorted(counts)
    ]
