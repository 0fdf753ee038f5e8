"""A year of telemetry for N machines, generated in chunks straight to disk, for ``bench_scale``.

Writes the telemetry store's layout (``status/month=YYYY-MM/part-*.parquet``, ``measure/...``,
see ``servitize.telemetry.store``) and the installed base the batch stages need (accounts,
machines, contracts) as Parquet under ``records/``. Machines are generated ``CHUNK`` at a time
(two worker processes), so 10 million machines never sit in memory: each chunk is one file per
kind and month. The data is seeded per chunk: the same ``n`` and seed give the same files.

Density (per machine): status changes a few times a week (Poisson, ``STATUS_PER_WEEK`` on
average, at any second of the year), one ``energy_kwh`` reading a day; 0.2 % of the readings
are delivered twice (a re-delivered batch, ``received_at`` a minute later), as a listener that
was killed before acknowledging leaves them, so compaction has real work to do.

``python -m bench.scale_data N DIR [MONTHS]`` writes one size by hand (MONTHS shortens the year).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from servitize.telemetry.store import SCHEMAS

CHUNK = 25_000  # machines per chunk (about 3.9 M status rows and 9.1 M measurements)
STATUS_PER_WEEK = 3.0
DUPLICATES = 0.002
MACHINES_PER_ACCOUNT = 20
FIRST_MONTH = (2025, 12)  # the year: December 2025 to November 2026
MONTHS = 12
STATES = np.array(["running", "idle", "down", "planned_maintenance"])
STATE_P = [0.55, 0.25, 0.12, 0.08]
US = 1_000_000
TS = pa.timestamp("us", tz="UTC")
VERSION = 3  # bumped when the data changes, so a cached folder is made again


@dataclass(frozen=True)
class Spec:
    """What a data folder holds; written as ``spec.json`` beside the data when complete."""

    machines: int
    seed: int = 17
    chunk: int = CHUNK
    status_per_week: float = STATUS_PER_WEEK
    duplicates: float = DUPLICATES
    first_month: str = f"{FIRST_MONTH[0]}-{FIRST_MONTH[1]:02d}"
    months: int = MONTHS
    version: int = VERSION


def month_starts(spec: Spec) -> list[datetime]:
    """The first instant of each month of the year, and of the month after it."""
    year, month = (int(x) for x in spec.first_month.split("-"))
    out = []
    for i in range(spec.months + 1):
        y, m = divmod(month - 1 + i, 12)
        out.append(datetime(year + y, m + 1, 1, tzinfo=UTC))
    return out


def serial(i: int) -> str:
    """The serial number of machine ``i``."""
    return f"SX{i:09d}"


def _strings(index: np.ndarray, values: list[str]) -> pa.Array:
    """A string column from indexes into a small list of values (built without Python objects)."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(values))
    return dictionary.cast(pa.string())


def _write(table: pa.Table, folder: Path, name: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    # timestamps delta-encoded (rows are in key order: a machine's readings one after another)
    stamps = [c for c in ("ts", "received_at") if c in table.column_names]
    pq.write_table(
        table,
        tmp,
        compression="zstd",
        row_group_size=1 << 20,
        use_dictionary=[c for c in table.column_names if c not in stamps],
        column_encoding=dict.fromkeys(stamps, "DELTA_BINARY_PACKED"),
    )
    os.replace(tmp, folder / name)
    return table.num_rows


def _chunk(root: str, spec: Spec, index: int) -> dict[str, int]:
    """Generate and write machines ``index * chunk ...``; returns rows written per kind."""
    rng = np.random.default_rng([spec.seed, index])
    first = index * spec.chunk
    n = min(spec.chunk, spec.machines - first)
    serials = [serial(i) for i in range(first, first + n)]
    starts = month_starts(spec)
    lo, hi = (int(starts[0].timestamp()), int(starts[-1].timestamp()))
    bounds = np.array([int(s.timestamp()) for s in starts], dtype=np.int64) * US
    weeks = (hi - lo) / (7 * 86400)
    written = {"status": 0, "measure": 0}

    # status: a few changes a week, at random seconds of the year
    counts = rng.poisson(spec.status_per_week * weeks, n)
    who = np.repeat(np.arange(n, dtype=np.int32), counts)
    ts = (lo + rng.integers(0, hi - lo, who.size)).astype(np.int64) * US
    order = np.lexsort((ts, who))
    who, ts = who[order], ts[order]
    state = rng.choice(4, who.size, p=STATE_P).astype(np.int32)
    reason = np.where(state == 2, 0, -1).astype(np.int32)  # a stop says why
    status = {"who": who, "ts": ts, "state": state, "reason": reason}
    status = _with_duplicates(rng, status, spec.duplicates)
    month = np.searchsorted(bounds, status["ts"], side="right") - 1
    for m in range(spec.months):
        keep = month == m
        if not keep.any():
            continue
        rows = {k: v[keep] for k, v in status.items()}
        table = pa.table(
            {
                "serial": _strings(rows["who"], serials),
                "ts": pa.array(rows["ts"], TS),
                "state": _strings(rows["state"], list(STATES)),
                "reason": _nullable(rows["reason"], ["fault"]),
                "received_at": pa.array(rows["received"], TS),
                "source": _strings(np.zeros(rows["ts"].size, np.int32), ["bench"]),
            },
            schema=SCHEMAS["status"],
        )
        folder = Path(root) / "status" / f"month={starts[m]:%Y-%m}"
        written["status"] += _write(table, folder, f"part-c{index:05d}.parquet")

    # measurements: one energy reading a day per machine, at the machine's own hour
    days = (hi - lo) // 86400
    hour = rng.integers(0, 24 * 3600, n)
    base = rng.lognormal(3.0, 0.6, n)  # kWh a day, machine by machine
    day_index = np.tile(np.arange(days, dtype=np.int64), n)
    machine = np.repeat(np.arange(n, dtype=np.int32), days)
    mts = (lo + day_index * 86400 + hour[machine]) * US
    value = np.round(base[machine] * rng.uniform(0.4, 1.4, machine.size), 1)
    measure = {"who": machine, "ts": mts, "value": value}
    measure = _with_duplicates(rng, measure, spec.duplicates)
    month = np.searchsorted(bounds, measure["ts"], side="right") - 1
    for m in range(spec.months):
        keep = month == m
        rows = {k: v[keep] for k, v in measure.items()}
        size = rows["ts"].size
        table = pa.table(
            {
                "serial": _strings(rows["who"], serials),
                "ts": pa.array(rows["ts"], TS),
                "metric": _strings(np.zeros(size, np.int32), ["energy_kwh"]),
                "value": pa.array(rows["value"], pa.float64()),
                "unit": _strings(np.zeros(size, np.int32), ["kWh"]),
                "received_at": pa.array(rows["received"], TS),
                "source": _strings(np.zeros(size, np.int32), ["bench"]),
            },
            schema=SCHEMAS["measure"],
        )
        folder = Path(root) / "measure" / f"month={starts[m]:%Y-%m}"
        written["measure"] += _write(table, folder, f"part-c{index:05d}.parquet")
    _records(Path(root), spec, rng, index, first, n, serials)
    return written


def _nullable(index: np.ndarray, values: list[str]) -> pa.Array:
    """Strings from indexes, null where the index is negative."""
    mask = pa.array(index < 0)
    return pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(index, 0), pa.int32(), mask=np.asarray(mask)), pa.array(values)
    ).cast(pa.string())


def _with_duplicates(
    rng: np.random.Generator, rows: dict[str, np.ndarray], share: float
) -> dict[str, np.ndarray]:
    """Add ``received`` (whole seconds after ``ts``) and re-deliver a share of the rows."""
    size = rows["ts"].size
    rows = {**rows, "received": rows["ts"] + rng.integers(0, 5, size) * US}
    again = np.flatnonzero(rng.random(size) < share)
    if again.size:
        extra = {k: v[again] for k, v in rows.items()}
        extra["received"] = extra["received"] + 60 * US
        rows = {k: np.concatenate([v, extra[k]]) for k, v in rows.items()}
    return rows


def _records(
    root: Path,
    spec: Spec,
    rng: np.random.Generator,
    index: int,
    first: int,
    n: int,
    serials: list[str],
) -> None:
    """The installed base of a chunk: its accounts, machines and contracts."""
    starts = month_starts(spec)
    machine_ids = np.arange(first, first + n, dtype=np.int64) + 1
    account_ids = (machine_ids - 1) // MACHINES_PER_ACCOUNT + 1
    accounts = np.unique(account_ids)
    installed = int(starts[0].timestamp()) - rng.integers(30, 3650, n) * 86400
    machines = pa.table(
        {
            "machine_id": pa.array(machine_ids),
            "serial": pa.array(serials),
            "account_id": pa.array(account_ids),
            "product": _strings(
                rng.integers(0, 4, n).astype(np.int32), ["P100", "P200", "P300", "P400"]
            ),
            "installed_on": pa.array(installed * US, TS),
        }
    )
    acc = pa.table(
        {
            "account_id": pa.array(accounts),
            "name": pa.array([f"Account {a}" for a in accounts]),
            "segment": _strings(
                rng.integers(0, 3, accounts.size).astype(np.int32), ["A", "B", "C"]
            ),
            "country": _strings(
                rng.integers(0, 4, accounts.size).astype(np.int32), ["DE", "FR", "IT", "US"]
            ),
        }
    )
    # one contract per account, over the whole year; availability or usage, a monthly fee
    kind = rng.integers(0, 2, accounts.size).astype(np.int32)
    contracts = pa.table(
        {
            "contract_id": pa.array(accounts),
            "account_id": pa.array(accounts),
            "kind": _strings(kind, ["availability", "usage"]),
            "starts_on": pa.array(np.full(accounts.size, int(starts[0].timestamp()) * US), TS),
            "ends_on": pa.array(np.full(accounts.size, int(starts[-1].timestamp()) * US), TS),
            "monthly_fee_cents": pa.array(rng.integers(20_000, 500_000, accounts.size)),
        }
    )
    for name, table in (("accounts", acc), ("machines", machines), ("contracts", contracts)):
        _write(table, root / "records" / name, f"part-c{index:05d}.parquet")


def generate(
    root: Path, machines: int, *, seed: int = 17, months: int = MONTHS, progress: bool = True
) -> dict[str, object]:
    """Write the data of ``machines`` machines under ``root`` unless it is there already.

    ``months`` shortens the year (from its first month): at 10 million machines a few months
    measure what one month's stage costs and holds, without the 30 GB of the whole year.

    Returns the spec with rows per kind, bytes on disk and seconds it took (0 when cached).
    """
    spec = Spec(machines=machines, seed=seed, months=months)
    done = root / "spec.json"
    if done.exists():
        cached = json.loads(done.read_text())
        if cached.get("spec") == asdict(spec):
            return {**cached, "generate_s": 0.0, "cached": True}
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    chunks = -(-machines // spec.chunk)
    rows = {"status": 0, "measure": 0}
    started = datetime.now(UTC)
    with (
        Progress(
            TextColumn(f"generating {machines:,} machines"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not progress,
        ) as bar,
        ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool,
    ):
        task = bar.add_task("chunks", total=chunks)
        for counts in pool.map(_chunk, [str(root)] * chunks, [spec] * chunks, range(chunks)):
            for kind, count in counts.items():
                rows[kind] += count
            bar.advance(task)
    seconds = (datetime.now(UTC) - started).total_seconds()
    size = sum(f.stat().st_size for f in root.rglob("*.parquet"))
    out = {"spec": asdict(spec), "rows": rows, "bytes": size, "seconds": round(seconds, 2)}
    done.write_text(json.dumps(out, indent=2) + "\n")
    return {**out, "generate_s": round(seconds, 2), "cached": False}


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python -m bench.scale_data MACHINES DIR [MONTHS]")
    span = int(sys.argv[3]) if len(sys.argv) == 4 else MONTHS
    print(json.dumps(generate(Path(sys.argv[2]), int(sys.argv[1]), months=span), indent=2))
