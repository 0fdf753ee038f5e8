"""The batch's availability per contract and month: contracts of one shape together vs one by one.

Many availability contracts of a few machines each (one account each, in a PostgreSQL records
database), a few months of telemetry in a local store compacted by the batch: a status event
every two hours, two stops a month (silent while they last: gaps with the expected interval),
planned maintenance, an energy reading with every running or idle event, a sequence gap per
machine and month, downtime records; one contract in ten on a two-shift calendar and one in
ten with "unknown" silence after a stop (three shapes), an expected reporting interval of three
hours. Timed on DuckDB, the ``contract_availability`` stage alone over the compacted output:

- ``grouped``: the stage as it runs (contracts of one shape in parts of ``GROUP_SIZE``: a few
  engine jobs per part);
- ``one_by_one``: the same stage with parts of one contract (``GROUP_SIZE = 1``: three engine
  jobs per contract, as the stage ran before), swapped in for the reference in the same run.
  (The stage's code before grouping, its expressions filtering one contract's serials as
  literals, took about as long per contract, with somewhat less CPU: parts of one carry the
  period-machine table the grouped expressions join.)

Both must give the same rows. The machine is shared with other work: compare the ratios of one
run, and the CPU seconds of this process (DuckDB's threads included), which other processes'
load distorts less than wall time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from bench.customers import ACTOR, consenting_customer, sequence_gaps
from bench.pg import fresh_database
from servitize.batch import contract_stages, run_batch
from servitize.contracts import service as contracts
from servitize.core.db import make_engine, session_factory
from servitize.core.settings import Settings
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.store import SCHEMAS, TelemetryStore

FIRST = datetime(2026, 6, 1, tzinfo=UTC)  # the first month of telemetry
# contracts, machines per contract, months of telemetry
CASES = {"small": (20, 3, 2), "full": (150, 5, 3)}
RUNS = {"small": (2, 1), "full": (2, 1)}  # timed runs of the grouped stage, of one by one
STEP = timedelta(hours=2)
INTERVAL = 3 * 3600  # the expected reporting interval: an event every two hours
US = 1_000_000


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * US


def _month_starts(months: int) -> list[datetime]:
    out, cursor = [], FIRST
    for _ in range(months + 1):
        out.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


def telemetry(store: TelemetryStore, serials: list[str], months: int, seed: int) -> int:
    """Status events, energy readings and sequence gaps of the machines over ``months``
    months from ``FIRST``; returns the number of rows written."""
    rng = np.random.default_rng(seed)
    bounds = _month_starts(months)
    start, end = _us(bounds[0]), _us(bounds[-1]) - 3600 * US
    beats = np.arange(start, end, int(STEP.total_seconds()) * US)
    received = end + 3600 * US
    status, measure, gaps = [], [], []
    ts_type = SCHEMAS["status"].field("ts").type
    for serial in serials:
        ts, state = [], []
        quiet = np.zeros(len(beats), dtype=bool)  # beats a stop silences
        for lo, hi in pairwise(bounds):
            base, span = _us(lo), _us(hi) - _us(lo)
            for _ in range(2):  # two stops a month, 1 to 30 hours, off the beat
                s = base + int(rng.integers(0, span - 40 * 3600 * US)) // US * US + 1800 * US
                length = int(rng.integers(1, 31)) * 3600 * US + 17 * 60 * US
                quiet |= (beats > s) & (beats < s + length)
                ts.append(np.array([s, s + length]))
                state.append(np.array(["down", "running"]))
            ts.append(np.array([base + 9 * 86400 * US + 7 * 3600 * US + 60 * US]))
            state.append(np.array(["planned_maintenance"]))
            g = base + int(rng.integers(0, span - 3600 * US)) // US * US
            gaps.append((serial, g, g + 47 * 60 * US, int(rng.integers(3, 30))))
        ts.append(beats[~quiet])
        state.append(np.where(rng.random(len(beats)) < 0.2, "idle", "running")[~quiet])
        all_ts = np.concatenate(ts)
        n = len(all_ts)
        status.append(
            pa.table(
                {
                    "serial": pa.array([serial] * n, pa.string()),
                    "ts": pa.array(all_ts, pa.int64()).cast(ts_type),
                    "state": pa.array(np.concatenate(state).tolist(), pa.string()),
                    "reason": pa.nulls(n, pa.string()),
                    "received_at": pa.array([received] * n, pa.int64()).cast(ts_type),
                    "source": pa.array(["bench"] * n, pa.string()),
                }
            )
        )
        heard = beats[~quiet]  # a stopped machine reads no energy either
        measure.append(
            pa.table(
                {
                    "serial": pa.array([serial] * len(heard), pa.string()),
                    "ts": pa.array(heard, pa.int64()).cast(ts_type),
                    "metric": pa.array(["energy_kwh"] * len(heard), pa.string()),
                    "value": pa.array(rng.uniform(5, 40, len(heard)).round(3), pa.float64()),
                    "unit": pa.array(["kWh"] * len(heard), pa.string()),
                    "received_at": pa.array([received] * len(heard), pa.int64()).cast(ts_type),
                    "source": pa.array(["bench"] * len(heard), pa.string()),
                }
            )
        )
    gap_table = sequence_gaps(gaps, received)
    s = pa.concat_tables(status).cast(SCHEMAS["status"])
    m = pa.concat_tables(measure).cast(SCHEMAS["measure"])
    store.append(s, "status")
    store.append(m, "measure")
    store.append(gap_table, "gaps")
    return s.num_rows + m.num_rows + gap_table.num_rows


def build(url: str, store: TelemetryStore, scale: str) -> int:
    """Accounts, machines, agreements, contracts and downtime records, and the telemetry;
    returns the telemetry rows written."""
    count, machines, months = CASES[scale]
    engine = make_engine(url)
    serials: list[str] = []
    try:
        with session_factory(engine)() as session:
            for n in range(count):
                account, assets = consenting_customer(
                    session,
                    f"CB-{n}",
                    f"Bench customer {n}",
                    [(f"CBE-{n}-{i}", f"CBS-{n:04d}-{i}") for i in range(machines)],
                )
                shifts = n % 10 == 3
                contracts.create_contract(
                    session,
                    ACTOR,
                    external_id=f"CB-{n}",
                    account_id=account.id,
                    name=f"Availability {n}",
                    target_pct=96.0,
                    fee_cents=machines * 1_000_00,
                    penalty_pct_per_step=2,
                    penalty_step_points=0.5,
                    penalty_cap_pct=10,
                    bonus_pct_per_step=1,
                    bonus_step_points=0.5,
                    bonus_cap_pct=3,
                    calendar=(
                        {"kind": "shifts", "start": "06:00", "end": "22:00"}
                        if shifts
                        else {"kind": "24/7"}
                    ),
                    silence_after_down="unknown" if n % 10 == 7 else "down",
                    min_coverage_pct=80.0,
                    valid_from=datetime(2020, 1, 1, tzinfo=UTC),
                )
                for start in _month_starts(months)[:-1]:
                    add_downtime(
                        session,
                        ACTOR,
                        assets[0].id,
                        start + timedelta(days=14),
                        start + timedelta(days=14, hours=3),
                        planned=True,
                        cause="inspection",
                    )
                serials += [a.serial or "" for a in assets]
            session.commit()
    finally:
        engine.dispose()
    return telemetry(store, serials, months, seed=7)


@contextmanager
def one_by_one() -> Iterator[None]:
    """Parts of one contract (the stage as it ran before) in place of the grouped parts."""
    size = contract_stages.GROUP_SIZE
    contract_stages.GROUP_SIZE = 1
    try:
        yield
    finally:
        contract_stages.GROUP_SIZE = size


def stage(root: Path, url: str, settings: Settings) -> tuple[dict[str, float], list[dict]]:
    """One run of the contract stage over the compacted output: wall and CPU seconds, rows."""
    started, cpu = time.perf_counter(), time.process_time()
    run_batch(
        "duckdb",
        root / "telemetry",
        root / "out",
        stages=["contract_availability"],
        write_back=False,
        progress=False,
        database_url=url,
        settings=settings,
    )
    took = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}
    rows = ds.dataset(root / "out" / "contract_availability", format="parquet").to_table()
    return took, sorted(rows.to_pylist(), key=lambda r: (r["contract"], r["month"]))


def timed(
    root: Path, url: str, settings: Settings, runs: int, warm: bool = True
) -> tuple[dict[str, Any], list]:
    """Median and best of ``runs`` runs (after one untimed run when ``warm``), in seconds of
    wall time and of this process's CPU time."""
    rows = stage(root, url, settings)[1] if warm else None
    walls, cpus = [], []
    for _ in range(runs):
        took, again = stage(root, url, settings)
        assert rows is None or again == rows
        rows = again
        walls.append(took["wall_s"])
        cpus.append(took["cpu_s"])
    return {
        "median_s": round(statistics.median(walls), 2),
        "best_s": round(min(walls), 2),
        "cpu_median_s": round(statistics.median(cpus), 2),
    }, rows


def run(scale: str) -> dict[str, Any]:
    """Build the world, compact it with the batch, then time the contract stage both ways."""
    url = fresh_database("servitize_bench_contract_batch")
    count, machines, months = CASES[scale]
    grouped_runs, single_runs = RUNS[scale]
    out: dict[str, Any] = {"contracts": count, "machines_per_contract": machines, "months": months}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(database_url=url, data_dir=root, telemetry_expected_interval_s=INTERVAL)
        started = time.perf_counter()
        out["telemetry_rows"] = build(url, TelemetryStore(root / "telemetry"), scale)
        run_batch(
            "duckdb",
            root / "telemetry",
            root / "out",
            stages=["compaction"],
            write_back=False,
            progress=False,
            database_url=url,
            settings=settings,
        )
        out["build_s"] = round(time.perf_counter() - started, 1)
        grouped, rows = timed(root, url, settings, grouped_runs)
        with one_by_one():
            single, reference = timed(root, url, settings, single_runs, warm=False)
    out["contract_months"] = len(rows)
    out["grouped"] = grouped
    out["one_by_one"] = single
    out["speedup_wall"] = round(single["median_s"] / grouped["median_s"], 2)
    out["speedup_cpu"] = round(single["cpu_median_s"] / grouped["cpu_median_s"], 2)
    out["numbers_identical"] = rows == reference
    out["bands"] = sorted({r["band"] for r in rows})
    return out
