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
    """Execute an expression to Arrow on the backend it is bound to."""
    return run_arrow(expr._find_backend(use_default=True), expr)


def run_arrow(con: Any, expr: ir.Table) -> pa.Table:
    """An expression's rows as Arrow, run on ``con``.

    On Spark, straight from Spark's Arrow batches (``DataFrame.toArrow``): Ibis's own
    ``to_pyarrow`` collects the rows into pandas first, without Arrow, which took ten times as
    long for 300,000 rows and turned a NaN of a float column into a null (DuckDB keeps NaN).
    Either way the columns get the expression's types."""
    with quiet():
        if con.name != "pyspark":
            return con.to_pyarrow(expr)
        table = expr.as_table()
        con._run_pre_execute_hooks(table)  # registers the expression's in-memory tables
        rows = con._session.sql(con.compile(table)).toArrow()
        schema = table.schema().to_pyarrow()
        return rows.rename_columns(schema.names).cast(schema)


def spark_table(con: Any, table: pa.Table, name: str) -> ir.Table:
    """An Arrow table as a view of a Spark connection, made from Arrow itself: Ibis's memtable
    goes through pandas, which turns null text into the text 'NaN'. Its empty record batches
    are left out: PySpark 4.0 sends each batch to the JVM, which stops reading at an empty one
    after the first (an empty first and second chunk gave a view with no rows)."""
    batches = [b for b in table.to_batches() if b.num_rows]
    frame = pa.Table.from_batches(batches, schema=table.schema)
    con._session.createDataFrame(frame).createOrReplaceTempView(name)
    return con.table(name)
