"""The analytics batch gives the same numbers on DuckDB and on Spark local[2] (compared as
``tests.batch.compare`` says: floats to 9 decimals, everything else exactly)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from servitize.batch import run_batch
from servitize.batch.layout import BUCKETS, bucket_of
from servitize.kpis.clv import holdout
from tests.batch.compare import rows as _rows
from tests.batch.compare import same as _same
from tests.batch.records import AS_OF, write_records
from tests.batch.sample import MONTHS, write_sample

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # one worker runs the module: its two batches and its SparkSession are built once
    pytest.mark.xdist_group("spark"),
    # PySpark 4.0 sets a pandas option that pandas 3 deprecates, when Ibis hands it a table
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]

TELEMETRY_STAGES = ["compaction", "availability", "billing_usage"]
RECORD_STAGES = ["features", "segments", "leads", "scoring", "clv"]
STAGES = [*TELEMETRY_STAGES[:2], *RECORD_STAGES, TELEMETRY_STAGES[2]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("batch")
    write_sample(root / "telemetry")
    url = write_records(root)
    out: dict[str, Any] = {"root": root, "url": url}
    for engine in ("duckdb", "spark"):
        out[engine] = run_batch(
            engine,
            root / "telemetry",
            root / engine,
            stages=STAGES,
            write_back=False,
            progress=False,
            session=spark if engine == "spark" else None,
            database_url=url,
            as_of=AS_OF,
        )
    return out


def test_compaction_keeps_one_row_per_key_on_both_engines(runs: dict[str, Any]) -> None:
    root = runs["root"]
    raw = pq.ParquetDataset(root / "telemetry" / "status").read()
    keys = Counter(
        zip(*(raw.column(c).to_pylist() for c in ("serial", "ts", "state")), strict=True)
    )
    assert max(keys.values()) > 1, "the sample re-delivers batches"
    for engine in ("duckdb", "spark"):
        rows = _rows(root / engine / "compact" / "status")
        assert len(rows) == len(keys)
        assert {(r["serial"], r["ts"], r["state"]) for r in rows} == set(keys)
        # the partitions: the month of the reading and the bucket of the serial
        assert all(r["month"] == r["ts"].strftime("%Y-%m") for r in rows)
        assert all(r["bucket"] == bucket_of(r["serial"]) < BUCKETS for r in rows)
        stage = next(s for s in runs[engine] if s.name == "compaction")
        assert stage.rows_out == len(rows) + len(_rows(root / engine / "compact" / "measure"))
    assert _rows(root / "duckdb" / "compact" / "status") == _rows(
        root / "spark" / "compact" / "status"
    )
    assert _rows(root / "duckdb" / "compact" / "measure") == _rows(
        root / "spark" / "compact" / "measure"
    )


@pytest.mark.parametrize("dataset", ["availability", "usage"])
def test_every_number_is_the_same_on_both_engines(runs: dict[str, Any], dataset: str) -> None:
    duck = _rows(runs["root"] / "duckdb" / dataset)
    spark = _rows(runs["root"] / "spark" / dataset)
    assert len(duck) == len(spark) == 24 * len(MONTHS)
    assert [(r["serial"], r["month"]) for r in duck] == [(r["serial"], r["month"]) for r in spark]
    for d, s in zip(duck, spark, strict=True):
        assert d.keys() == s.keys()
        differ = {k: (d[k], s[k]) for k in d if not _same(d[k], s[k])}
        assert not differ, (d["serial"], d["month"], differ)


def test_availability_adds_up(runs: dict[str, Any]) -> None:
    """Worked out from the calendar, not from the batch: June has 720 hours, July 744."""
    hours = {"2026-06": 720.0, "2026-07": 744.0, "2026-08": 744.0, "2026-09": 720.0}
    for r in _rows(runs["root"] / "spark" / "availability"):
        assert r["scheduled_hours"] == hours[r["month"]]
        parts = (
            r["uptime_hours"]
            + r["downtime_hours"]
            + r["planned_maintenance_hours"]
            + r["excluded_hours"]
        )
        assert parts == pytest.approx(r["known_hours"], abs=1e-9)
        assert r["known_hours"] <= r["scheduled_hours"] + 1e-9
        assert 0.0 <= r["availability"] <= 1.0


def test_energy_is_the_sum_of_the_months_readings(runs: dict[str, Any]) -> None:
    """Energy per machine and month, summed here from the compacted readings with pyarrow."""
    measure = ds.dataset(
        runs["root"] / "duckdb" / "compact" / "measure", format="parquet", partitioning="hive"
    ).to_table()
    grouped = measure.group_by(["serial", "month"]).aggregate([("value", "sum")])
    expected = {
        (s, str(m)): v
        for s, m, v in zip(
            grouped["serial"].to_pylist(),
            grouped["month"].to_pylist(),
            grouped["value_sum"].to_pylist(),
            strict=True,
        )
    }
    usage = _rows(runs["root"] / "spark" / "usage")
    got = {(r["serial"], r["month"]): r["energy_kwh"] for r in usage}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert round(got[key], 6) == round(value, 6), key


def test_stage_results_name_rows_and_seconds(runs: dict[str, Any]) -> None:
    for engine in ("duckdb", "spark"):
        assert [s.name for s in runs[engine]] == STAGES
        assert all(s.seconds > 0 for s in runs[engine])
    assert [(s.rows_in, s.rows_out) for s in runs["duckdb"]] == [
        (s.rows_in, s.rows_out) for s in runs["spark"]
    ]


def test_table_schema_is_arrow(runs: dict[str, Any]) -> None:
    table = ds.dataset(
        runs["root"] / "spark" / "compact" / "status", format="parquet", partitioning="hive"
    ).to_table()
    assert table.schema.field("ts").type == pa.timestamp("us", tz="UTC")


@pytest.mark.parametrize(
    ("dataset", "key"),
    [
        ("features/account", "account_id"),
        ("features/asset", "asset_id"),
        ("segments", "account_id"),
        ("leads", "account_id"),
        ("clv", "account_id"),
    ],
)
def test_record_stages_agree_on_both_engines(runs: dict[str, Any], dataset: str, key: str) -> None:
    duck = _rows(runs["root"] / "duckdb" / dataset)
    spark = _rows(runs["root"] / "spark" / dataset)
    assert duck, dataset
    assert len(duck) == len(spark)
    for d, s in zip(duck, spark, strict=True):
        assert d.keys() == s.keys()
        differ = {k: (d[k], s[k]) for k in d if not _same(d[k], s[k])}
        assert not differ, (d[key], differ)


def test_clv_summaries_match_the_numpy_summary(runs: dict[str, Any]) -> None:
    """x, t_x, T and the mean repeat value per account, as ``kpis.clv.holdout.summarise``
    (numpy, one purchase per customer and day) works them out from the same orders."""
    import sqlalchemy as sa

    engine = sa.create_engine(runs["url"])
    with engine.connect() as c:
        orders = c.execute(sa.text('SELECT account_id, day, amount_cents FROM "order"')).all()
    engine.dispose()
    epoch = date(1970, 1, 1)
    days = [(d if isinstance(d, date) else date.fromisoformat(str(d))) for _a, d, _v in orders]
    summary = holdout.summarise(
        [a for a, _d, _v in orders],
        [(d - epoch).days for d in days],
        [v for _a, _d, v in orders],
        calibration_end=(AS_OF - epoch).days,
    )
    for engine_name in ("duckdb", "spark"):
        got = {r["account_id"]: r for r in _rows(runs["root"] / engine_name / "clv")}
        assert sorted(got) == sorted(int(c) for c in summary.customer)
        for i, customer in enumerate(summary.customer):
            row = got[int(customer)]
            assert row["x"] == summary.x[i]
            assert row["t_x"] == pytest.approx(summary.t_x[i], abs=1e-12)
            assert row["T"] == pytest.approx(summary.T[i], abs=1e-12)
            assert row["mean_value"] == pytest.approx(summary.mean_value[i], rel=1e-12)


def test_segments_are_written_back_to_the_records(runs: dict[str, Any], tmp_path: Path) -> None:
    import sqlalchemy as sa

    run_batch(
        "duckdb",
        runs["root"] / "telemetry",
        tmp_path / "out",
        stages=["features", "segments"],
        progress=False,
        database_url=runs["url"],
        as_of=AS_OF,
    )
    engine = sa.create_engine(runs["url"])
    with engine.connect() as c:
        stored = dict(c.execute(sa.text("SELECT account_id, label FROM segment_assignment")).all())
    engine.dispose()
    written = {r["account_id"]: r["label"] for r in _rows(runs["root"] / "spark" / "segments")}
    assert stored == written
