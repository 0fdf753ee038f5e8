"""A store month larger than the engine's memory is compacted in slices of the machines (by
bucket), each slice written beside the others: the result is the whole month's, one row per key,
the one received last.

The store is made here: 40 machines over two months, each reading delivered once, some twice
(the second copy received later with another value: the later one must win) and a few three
times. What compaction keeps is worked out in the test from the list of deliveries.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from servitize.batch import run_batch, telemetry_stages
from servitize.batch.layout import BUCKETS, bucket_of
from servitize.core.settings import Settings
from servitize.telemetry.store import Batch, TelemetryStore

SERIALS = [f"SL-{i:03d}" for i in range(40)]
MONTHS = ("2026-05", "2026-06")


def _us(day: datetime) -> int:
    return int(day.timestamp()) * 1_000_000


def _deliveries() -> list[tuple[str, int, str, float, int]]:
    """(serial, moment, metric, value, received): a few readings a machine and month, 30 % of
    them delivered again later, 5 % three times."""
    rng = random.Random(7)
    out = []
    for serial in SERIALS:
        for month in MONTHS:
            year, mon = (int(x) for x in month.split("-"))
            for day in rng.sample(range(1, 29), 4):
                moment = _us(datetime(year, mon, day, 6, tzinfo=UTC))
                copies = 1 + (rng.random() < 0.3) + (rng.random() < 0.05)
                for copy in range(copies):
                    out.append((serial, moment, "energy_kwh", 10.0 * day + copy, moment + copy))
    return out


def _expected() -> dict[tuple[str, int], float]:
    """Per (serial, moment): the value of the copy received last."""
    last: dict[tuple[str, int], tuple[int, float]] = {}
    for serial, moment, _, value, received in _deliveries():
        key = (serial, moment)
        if key not in last or received > last[key][0]:
            last[key] = (received, value)
    return {k: v for k, (_, v) in last.items()}


def _store(root: Path) -> None:
    store = TelemetryStore(root)
    batch = Batch()
    for serial, moment, metric, value, received in _deliveries():
        batch.add_measure(serial, moment, metric, value, "kWh", received, "hand")
    for serial in SERIALS:  # one status event each month, so every month has status too
        for month in MONTHS:
            year, mon = (int(x) for x in month.split("-"))
            moment = _us(datetime(year, mon, 2, tzinfo=UTC))
            batch.add_status(serial, moment, "running", None, moment, "hand")
    store.write(batch)


SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]


@pytest.mark.parametrize(
    ("engine", "reading_bytes"),
    [
        ("duckdb", None),
        ("duckdb", 10**13),
        ("duckdb", 10**15),
        pytest.param("spark", 10**15, marks=SPARK_MARKS),
    ],
)
def test_the_month_is_compacted_whole_or_in_slices_alike(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    reading_bytes: int | None,
) -> None:
    """As measured: one pass; readings made to look large: a few slices, and 16 (DuckDB writes
    into the month's folder, Spark replaces only the buckets it writes)."""
    if reading_bytes is not None:
        monkeypatch.setattr(telemetry_stages, "BYTES_PER_READING", reading_bytes)
    settings = Settings(batch_memory_share=0.05)
    session = request.getfixturevalue("spark") if engine == "spark" else None
    _store(tmp_path / "telemetry")
    run_batch(
        engine,
        tmp_path / "telemetry",
        tmp_path / "out",
        stages=["compaction"],
        write_back=False,
        progress=False,
        settings=settings,
        session=session,
    )
    folder = tmp_path / "out" / "compact" / "measure"
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    got = {
        (r["serial"], _us(r["ts"])): r["value"]
        for r in table.select(["serial", "ts", "value"]).to_pylist()
    }
    assert table.num_rows == len(got)  # one row per key
    assert got == _expected()
    for row in table.select(["serial", "bucket", "month"]).to_pylist():
        assert row["bucket"] == bucket_of(row["serial"])
    assert sorted({str(m) for m in table["month"].to_pylist()}) == list(MONTHS)


@pytest.mark.parametrize(
    ("rows", "memory", "parts"),
    [
        (1_000, 1e9, 1),
        # the sizes measured: 1 M machines' month (31 M readings, ~5 GiB) in one pass with 12 GiB,
        # 10 M machines' (310 M) in 8 slices, their status events (133 M) in 4
        (31_000_000, 12 * 2**30, 1),
        (310_000_000, 12 * 2**30, 8),
        (133_000_000, 12 * 2**30, 4),
        (10**12, 1.0, BUCKETS),  # never more slices than buckets
    ],
)
def test_slices_grow_with_the_month_by_powers_of_two(rows: int, memory: float, parts: int) -> None:
    assert telemetry_stages.slices(rows, memory) == parts
