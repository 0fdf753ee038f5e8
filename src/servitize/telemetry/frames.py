"""Run Ibis expressions to Arrow without DuckDB 2's deprecation noise."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa


@contextmanager
def quiet() -> Iterator[None]:
    """Ibis 12 still calls DuckDB 2's deprecated ``fetch_arrow_table``; nothing to act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", r"fetch_arrow_table\(\) is deprecated", DeprecationWarning
        )
        yield


def to_arrow(expr: ir.Table) -> pa.Table:
    """Execute an expression to Arrow."""
    with quiet():
        return expr.to_pyarrow()


def spark_table(con: Any, table: pa.Table, name: str) -> ir.Table:
    """An Arrow table as a view of a Spark connection, made from Arrow itself: Ibis's memtable
    goes through pandas, which turns null text into the text 'NaN'. Its empty record batches
    are left out: PySpark 4.0 sends each batch to the JVM, which stops reading at an empty one
    after the first (an empty first and second chunk gave a view with no rows)."""
    batches = [b for b in table.to_batches() if b.num_rows]
    frame = pa.Table.from_batches(batches, schema=table.schema)
    con._session.createDataFrame(frame).createOrReplaceTempView(name)
    return con.table(name)
