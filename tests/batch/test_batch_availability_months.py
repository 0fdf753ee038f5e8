"""The availability stage, written a month at a time, gives every month's figures of a whole-store
computation: a small hand-made store whose hours are worked out here from the calendar.

The store covers January to April 2026 (744, 672, 744 and 720 hours) and the cases the month
split must not change: a stop that runs over a month end (its failure counts in the month it
began), a machine silent for a whole month while down (a row for that month, though it sent
nothing in it), two events at the same moment (ordered by state, the last one holds), a state
cut by the seven-day horizon, a stop read back from three months before, a telemetry gap, and
a machine's last event (it holds for no time). Rules: docs/telemetry.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from servitize.batch import run_batch, telemetry_stages
from servitize.batch.layout import bucket_of
from servitize.telemetry.store import Batch, TelemetryStore

HOURS = {"2026-01": 744.0, "2026-02": 672.0, "2026-03": 744.0, "2026-04": 720.0}

# (serial, moment, state)
EVENTS = [
    # A: a stop from 31 January 12:00 to 2 February 12:00 (12 h in January, 36 h in February),
    # a gap on 3 February cuts 24 h out of the running after it
    ("HM-A", "2026-01-25T00:00", "running"),
    ("HM-A", "2026-01-31T12:00", "down"),
    ("HM-A", "2026-02-02T12:00", "running"),
    ("HM-A", "2026-02-05T12:00", "idle"),
    ("HM-A", "2026-02-06T00:00", "running"),
    ("HM-A", "2026-02-07T00:00", "idle"),  # the last event: holds for no time
    # B: down from 12 January until 3 March, nothing sent in February
    ("HM-B", "2026-01-10T00:00", "running"),
    ("HM-B", "2026-01-12T00:00", "down"),
    ("HM-B", "2026-03-03T00:00", "running"),
    ("HM-B", "2026-03-04T00:00", "planned_maintenance"),
    ("HM-B", "2026-03-05T00:00", "running"),  # seven days, then unknown
    ("HM-B", "2026-03-20T00:00", "idle"),
    # C: two events at the same moment: 'running' sorts after 'idle' and holds into March
    ("HM-C", "2026-02-27T00:00", "idle"),
    ("HM-C", "2026-02-27T00:00", "running"),
    ("HM-C", "2026-03-02T00:00", "down"),
    ("HM-C", "2026-04-01T00:00", "running"),
    ("HM-C", "2026-04-03T00:00", "idle"),
    # D: a second 'down' continues the stop (one failure); the stop runs into April
    ("HM-D", "2026-03-10T00:00", "running"),
    ("HM-D", "2026-03-25T00:00", "down"),
    ("HM-D", "2026-03-28T00:00", "down"),
    ("HM-D", "2026-04-02T00:00", "running"),
    ("HM-D", "2026-04-02T12:00", "excluded"),
    ("HM-D", "2026-04-04T12:00", "running"),
    ("HM-D", "2026-04-05T00:00", "idle"),
    # E: down from 5 January until 20 April: April reads it back from January
    ("HM-E", "2026-01-05T00:00", "down"),
    ("HM-E", "2026-04-20T00:00", "running"),
    ("HM-E", "2026-04-21T00:00", "idle"),
]
GAPS = [("HM-A", "2026-02-03T00:00", "2026-02-04T00:00")]
ENERGY = [("HM-A", "2026-02-03T00:00", 10.0), ("HM-A", "2026-02-06T00:00", 5.5)]

# (serial, month): uptime, running, downtime, planned, excluded, known hours, failures
EXPECTED = {
    ("HM-A", "2026-01"): (156, 156, 12, 0, 0, 168, 1),
    ("HM-A", "2026-02"): (12 + 36 + 12 + 24, 12 + 36 + 24, 36, 0, 0, 120, 0),
    ("HM-B", "2026-01"): (48, 48, 480, 0, 0, 528, 1),
    ("HM-B", "2026-02"): (0, 0, 672, 0, 0, 672, 0),
    ("HM-B", "2026-03"): (24 + 168, 24 + 168, 48, 24, 0, 264, 0),
    ("HM-C", "2026-02"): (48, 48, 0, 0, 0, 48, 0),
    ("HM-C", "2026-03"): (24, 24, 720, 0, 0, 744, 1),
    ("HM-C", "2026-04"): (48, 48, 0, 0, 0, 48, 0),
    ("HM-D", "2026-03"): (168, 168, 168, 0, 0, 336, 1),
    ("HM-D", "2026-04"): (24, 24, 24, 0, 48, 96, 0),
    ("HM-E", "2026-01"): (0, 0, 648, 0, 0, 648, 1),
    ("HM-E", "2026-02"): (0, 0, 672, 0, 0, 672, 0),
    ("HM-E", "2026-03"): (0, 0, 744, 0, 0, 744, 0),
    ("HM-E", "2026-04"): (24, 24, 456, 0, 0, 480, 0),
}
FIELDS = (
    "uptime_hours",
    "running_hours",
    "downtime_hours",
    "planned_maintenance_hours",
    "excluded_hours",
    "known_hours",
    "failures",
)


def _us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1_000_000


def _write_store(root: Path) -> None:
    store = TelemetryStore(root)
    batch = Batch()
    for serial, moment, state in EVENTS:
        batch.add_status(serial, _us(moment), state, None, _us(moment) + 1, "hand")
    for serial, start, end in GAPS:
        batch.add_gap(serial, _us(start), _us(end), "status", 3, "hand", _us(end) + 1, "hand")
    for serial, moment, kwh in ENERGY:
        batch.add_measure(serial, _us(moment), "energy_kwh", kwh, "kWh", _us(moment) + 1, "hand")
    store.write(batch)
    store.write(batch)  # delivered twice: compaction keeps one of each


def _rows(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    return {(r["serial"], str(r["month"])): r for r in table.to_pylist()}


SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),
    # PySpark 4.0 sets a pandas option that pandas 3 deprecates
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]


@pytest.fixture(
    params=[
        "duckdb",
        "duckdb-sliced",
        pytest.param("spark", marks=SPARK_MARKS),
        pytest.param("spark-sliced", marks=SPARK_MARKS),
    ]
)
def batch(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[Any]]:
    engine = request.param
    if engine == "duckdb-sliced":  # every month made to look too large: 16 slices of machines
        monkeypatch.setattr(telemetry_stages, "BYTES_PER_READING", 10**15)
        engine = "duckdb"
    if engine == "spark-sliced":  # two slices (each a Spark job a kind and month)
        monkeypatch.setattr(telemetry_stages, "slices", lambda rows, memory: 2)
        engine = "spark"
    session = request.getfixturevalue("spark") if engine == "spark" else None
    _write_store(tmp_path / "telemetry")
    results = run_batch(
        engine,
        tmp_path / "telemetry",
        tmp_path / "out",
        stages=["compaction", "availability", "billing_usage"],
        write_back=False,
        progress=False,
        session=session,
    )
    return tmp_path / "out", results


def test_each_month_has_the_hours_of_the_calendar(batch: tuple[Path, list[Any]]) -> None:
    out, results = batch
    got = _rows(out / "availability")
    assert sorted(got) == sorted(EXPECTED)
    for key, want in EXPECTED.items():
        row = got[key]
        assert tuple(row[f] for f in FIELDS) == pytest.approx(want, abs=1e-9), key
        assert row["scheduled_hours"] == HOURS[key[1]]
        up, down = want[0], want[2]
        expected = up / (up + down) if up + down else None
        assert row["availability"] == pytest.approx(expected), key
    assert got[("HM-A", "2026-02")]["energy_kwh"] == pytest.approx(15.5)
    assert got[("HM-A", "2026-02")]["energy_per_operating_hour"] == pytest.approx(15.5 / 72)
    assert got[("HM-B", "2026-02")]["energy_kwh"] is None
    stage = next(r for r in results if r.name == "availability")
    assert (stage.rows_in, stage.rows_out) == (len(EVENTS), len(EXPECTED))


def test_each_month_is_its_own_folder_bucketed_by_serial(batch: tuple[Path, list[Any]]) -> None:
    out, _ = batch
    folder = out / "availability"
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [f"month={m}" for m in HOURS]
    for month in HOURS:
        rows = ds.dataset(folder / f"month={month}", format="parquet", partitioning="hive")
        table = rows.to_table()
        assert sorted(table["serial"].to_pylist()) == sorted(s for s, m in EXPECTED if m == month)
        for serial, bucket in zip(
            table["serial"].to_pylist(), table["bucket"].to_pylist(), strict=True
        ):
            assert bucket == bucket_of(serial)
    # the month is the folder's, never a column of the files (one value per row either way)
    any_file = next(folder.rglob("*.parquet"))
    assert "month" not in pq.read_schema(any_file).names


def test_billing_usage_reads_the_monthly_folders(batch: tuple[Path, list[Any]]) -> None:
    out, _ = batch
    usage = _rows(out / "usage")
    assert sorted(usage) == sorted(EXPECTED)
    for key, want in EXPECTED.items():
        assert usage[key]["operating_hours"] == pytest.approx(want[1], abs=1e-9), key
        assert usage[key]["known_hours"] == pytest.approx(want[5], abs=1e-9), key
        assert usage[key]["unplanned_stops"] == want[6], key
        assert usage[key]["bucket"] == bucket_of(key[0])


def test_a_second_run_replaces_the_months(tmp_path: Path) -> None:
    """Run again after a month's telemetry is gone: the month's folder goes with it."""
    _write_store(tmp_path / "telemetry")
    kwargs: dict[str, Any] = {
        "stages": ["compaction", "availability"],
        "write_back": False,
        "progress": False,
    }
    run_batch("duckdb", tmp_path / "telemetry", tmp_path / "out", **kwargs)
    for kind in ("status", "gaps", "measure"):
        for folder in (tmp_path / "telemetry" / kind).glob("month=2026-04"):
            for f in folder.iterdir():
                f.unlink()
    run_batch("duckdb", tmp_path / "telemetry", tmp_path / "out", **kwargs)
    got = _rows(tmp_path / "out" / "availability")
    assert {m for _, m in got} == {"2026-01", "2026-02", "2026-03"}
