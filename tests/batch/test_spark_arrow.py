"""A driver-side Arrow table reaches Spark with all its rows, whatever its chunks.

PySpark 4.0 sends an Arrow table to the JVM one record batch at a time, and the JVM stops at an
empty batch after the first: a table whose first chunks are empty (a concatenation that begins
with an empty part) became a view with no rows. The batch's Arrow tables reach Spark through
``telemetry.frames.spark_table`` (``layout.write_arrow`` writes through it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from servitize.batch import layout
from servitize.telemetry.frames import spark_table

pytestmark = [
    pytest.mark.spark,
    pytest.mark.xdist_group("spark"),
    # PySpark 4.0 sets a pandas option that pandas 3 deprecates, when Ibis reads a view back
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]

SCHEMA = pa.schema(
    [("id", pa.int64()), ("name", pa.string()), ("ts", pa.timestamp("us", tz="UTC"))]
)
ROWS = [
    {"id": 1, "name": "press", "ts": datetime(2026, 1, 1, 6, tzinfo=UTC)},
    {"id": 2, "name": None, "ts": datetime(2026, 1, 2, 7, 30, tzinfo=UTC)},
    {"id": 3, "name": "lathe", "ts": datetime(2026, 2, 1, tzinfo=UTC)},
    {"id": 4, "name": "mill", "ts": datetime(2026, 3, 15, 12, tzinfo=UTC)},
    {"id": 5, "name": "saw", "ts": None},
]


def _chunked() -> pa.Table:
    """ROWS as a table of six chunks: two empty, three rows, one empty, two rows, one empty."""
    empty = SCHEMA.empty_table()
    parts = [
        empty,
        empty,
        pa.Table.from_pylist(ROWS[:3], schema=SCHEMA),
        empty,
        pa.Table.from_pylist(ROWS[3:], schema=SCHEMA),
        empty,
    ]
    table = pa.concat_tables(parts)
    assert [len(c) for c in table.column("id").chunks] == [0, 0, 3, 0, 2, 0]
    return table


def _utc(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their moments in UTC (Spark hands back its session's time zone, UTC, naive)."""
    return [
        r | {"ts": r["ts"].replace(tzinfo=UTC) if r["ts"] and not r["ts"].tzinfo else r["ts"]}
        for r in rows
    ]


@pytest.fixture(scope="module")
def con(spark: Any) -> Any:
    return ibis.pyspark.connect(spark)


def test_a_table_with_empty_leading_chunks_keeps_every_row_as_a_spark_view(con: Any) -> None:
    view = spark_table(con, _chunked(), "chunked_rows")
    found = con.to_pyarrow(view.order_by("id")).to_pylist()
    assert len(found) == 5
    assert _utc(found) == ROWS


def test_a_table_of_empty_chunks_only_is_an_empty_view_of_its_columns(con: Any) -> None:
    empty = SCHEMA.empty_table()
    view = spark_table(con, pa.concat_tables([empty, empty]), "no_rows")
    found = con.to_pyarrow(view)
    assert found.num_rows == 0
    assert found.column_names == ["id", "name", "ts"]


def test_the_batch_writes_every_row_of_a_table_with_empty_leading_chunks(
    con: Any, tmp_path: Path
) -> None:
    layout.write_arrow(con, _chunked(), tmp_path, "chunked")
    written = ds.dataset(tmp_path / "chunked", format="parquet").to_table()
    assert written.num_rows == 5
    assert _utc(sorted(written.to_pylist(), key=lambda r: r["id"])) == ROWS
