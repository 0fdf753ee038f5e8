"""Monthly availability over many status rows: the Ibis path vs one hand-written DuckDB query.

small: 10,000 assets × 100 rows (1 M rows); full: 100,000 assets × 1,000 rows (100 M rows).
Same Parquet files, same formulas (24/7, 7-day horizon, never past a machine's newest event, a
``down`` until the next event, 92 days read before the period); the numbers must be identical.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import duckdb
import ibis
import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from servitize.telemetry.availability import availability, month_period
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.store import SCHEMAS, TelemetryStore

SIZES = {"small": (10_000, 100), "full": (100_000, 1_000)}
STATES = np.array(["running", "idle", "down", "planned_maintenance"])

SQL = """
WITH ev AS (
  SELECT serial, ts, state,
         lead(ts) OVER w AS next_ts, lag(state) OVER w AS prev_state,
         max(ts) OVER (PARTITION BY serial) AS newest
  FROM read_parquet({files}) WHERE ts >= TIMESTAMPTZ '{lo}'
  WINDOW w AS (PARTITION BY serial ORDER BY ts, state)
), ends AS (
  SELECT *, CASE WHEN state = 'down' THEN coalesce(next_ts, newest)
                 ELSE least(coalesce(next_ts, ts + INTERVAL 7 DAY), ts + INTERVAL 7 DAY, newest) END AS e
  FROM ev
), iv AS (
  SELECT serial, state,
         greatest(ts, TIMESTAMPTZ '{start}') AS s,
         least(e, TIMESTAMPTZ '{end}') AS e,
         state = 'down' AND (prev_e IS NULL OR prev_e < ts OR prev_state <> 'down')
           AND ts >= TIMESTAMPTZ '{start}' AS new_stop
  FROM (SELECT *, lag(e) OVER (PARTITION BY serial ORDER BY ts, state) AS prev_e FROM ends)
), h AS (
  SELECT serial, state, new_stop, (epoch(e)::BIGINT - epoch(s)::BIGINT) / 3600.0 AS hours
  FROM iv WHERE e > s
)
SELECT serial,
  sum(CASE WHEN state IN ('running', 'idle') THEN hours ELSE 0 END) AS up,
  sum(CASE WHEN state = 'down' THEN hours ELSE 0 END) AS down,
  sum(CASE WHEN state = 'planned_maintenance' THEN hours ELSE 0 END) AS planned,
  sum(CASE WHEN new_stop AND state = 'down' THEN 1 ELSE 0 END) AS failures,
  up / nullif(up + down, 0) AS availability
FROM h GROUP BY serial ORDER BY serial
"""


def generate(root: Path, assets: int, per_asset: int, seed: int = 7) -> TelemetryStore:
    """Random status events for October 2026 as one compacted Parquet file (one row per key)."""
    rng = np.random.default_rng(seed)
    store = TelemetryStore(root)
    start = int(month_period("2026-10").start.timestamp()) * 1_000_000
    span = 31 * 24 * 3600 * 1_000_000
    chunk = max(1, 5_000_000 // per_asset)
    slot = span // per_asset  # one event per slot, at a random second in it: keys are unique
    folder = store.folder("status", "2026-10")
    folder.mkdir(parents=True, exist_ok=True)
    writer = pq.ParquetWriter(folder / "compact-bench.parquet", SCHEMAS["status"])
    for first in range(0, assets, chunk):
        n = min(chunk, assets - first)
        serial = np.repeat(np.arange(first, first + n), per_asset)
        offsets = np.tile(np.arange(per_asset) * slot, n) + rng.integers(0, slot, n * per_asset)
        ts = start + offsets // 1_000_000 * 1_000_000
        state = STATES[rng.choice(4, n * per_asset, p=[0.7, 0.15, 0.1, 0.05])]
        table = pa.table(
            {
                "serial": pa.array(serial.astype(str)),
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "state": pa.array(state),
                "reason": pa.nulls(n * per_asset, pa.string()),
                "received_at": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "source": pa.array(["bench"] * (n * per_asset)),
            },
            schema=SCHEMAS["status"],
        )
        writer.write_table(table)
    writer.close()
    return store


class Peak:
    """Peak resident memory of this process while a block runs."""

    def __enter__(self) -> Self:
        self.proc, self.peak, self.done = psutil.Process(), 0, False
        self.base = self.proc.memory_info().rss
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _watch(self) -> None:
        while not self.done:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.done = True
        self.thread.join()

    @property
    def mib(self) -> float:
        """Peak above the start, in MiB."""
        return round(max(self.peak - self.base, 0) / 2**20, 1)


def run(scale: str) -> dict[str, object]:
    """Time both paths on the same files and compare every number."""
    assets, per_asset = SIZES[scale]
    # a size between small and full where full does not fit: ASSETS=30000 ROWS_PER_ASSET=1000
    assets = int(os.environ.get("BENCH_AVAILABILITY_ASSETS", assets))
    per_asset = int(os.environ.get("BENCH_AVAILABILITY_ROWS_PER_ASSET", per_asset))
    period = month_period("2026-10")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = generate(Path(tmp), assets, per_asset)
        generate_s = time.perf_counter() - t0
        files = [str(f) for f in store.files("status")]
        con = ibis.duckdb.connect(threads=2, memory_limit="16GB")
        with Peak() as ibis_mem:
            t0 = time.perf_counter()
            expr = availability(store.table(con, "status", ["2026-10"]), period).order_by("serial")
            ours = to_arrow(expr)
            ibis_s = time.perf_counter() - t0
        raw = duckdb.connect(config={"threads": 2, "memory_limit": "16GB"})
        sql = SQL.format(
            files=files,
            lo="2026-06-24 00:00:00+00",
            start="2026-10-01 00:00:00+00",
            end="2026-11-01 00:00:00+00",
        )
        with Peak() as sql_mem:
            t0 = time.perf_counter()
            theirs = raw.sql(sql).to_arrow_table()
            sql_s = time.perf_counter() - t0
    identical = ours.column("serial").to_pylist() == theirs.column("serial").to_pylist() and all(
        np.allclose(
            ours.column(a).to_numpy(zero_copy_only=False).astype(float),
            theirs.column(b).to_numpy(zero_copy_only=False).astype(float),
            rtol=0,
            atol=1e-9,
            equal_nan=True,
        )
        for a, b in [
            ("uptime_hours", "up"),
            ("downtime_hours", "down"),
            ("planned_maintenance_hours", "planned"),
            ("failures", "failures"),
            ("availability", "availability"),
        ]
    )
    return {
        "assets": assets,
        "status_rows": assets * per_asset,
        "generate_s": round(generate_s, 2),
        "ibis_s": round(ibis_s, 2),
        "sql_s": round(sql_s, 2),
        "ratio": round(ibis_s / sql_s, 2),
        "ibis_peak_mib": ibis_mem.mib,
        "sql_peak_mib": sql_mem.mib,
        "numbers_identical": identical,
    }
