"""Where the batch reads and writes: Parquet partitioned by month and a hash bucket of the serial.

Under the output folder (a local path, or ``s3a://`` / ``abfss://`` on a cluster)::

    compact/status/month=YYYY-MM/bucket=N/*.parquet    one row per key, the last received
    compact/measure/month=YYYY-MM/bucket=N/*.parquet
    availability/month=YYYY-MM/bucket=N/*.parquet      per machine and month
    usage/month=YYYY-MM/bucket=N/*.parquet             operating hours and energy to bill
    features/account/*.parquet, features/asset/*.parquet, features/model/*.parquet (the
    tendency-to-buy model's input), segments/, leads/, scores/, clv/
    .records/<table>/*.parquet                         the records, on Spark, while it runs

The bucket is ``crc32(serial) mod BUCKETS``: worked out once per distinct serial in Python (the
engines' own hash functions differ, and the layout must not depend on the engine that wrote it)
and joined in on the engine.
"""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.dataset as ds

from servitize.telemetry.frames import quiet, run_arrow, spark_table
from servitize.telemetry.store import SCHEMAS

BUCKETS = 16
PARTITIONS = ("month", "bucket")
RECORDS = ".records"  # the records database's tables for a Spark batch (record_stages.sources)

Location = Path | str


def join(base: Location, *parts: str) -> str:
    """A path under ``base`` as text; URLs (``s3a://...``) keep their double slash."""
    text = str(base).rstrip("/")
    return "/".join([text, *parts])


def is_remote(location: Location) -> bool:
    """True for object-storage URLs (``scheme://``)."""
    return "://" in str(location)


def bucket_of(serial: str, buckets: int = BUCKETS) -> int:
    """The hash bucket of a machine: crc32 of its serial's UTF-8 bytes, modulo ``buckets``."""
    return zlib.crc32(serial.encode("utf-8")) % buckets


def buckets_table(serials: list[str], buckets: int = BUCKETS) -> pa.Table:
    """(serial, bucket) for the distinct serials given."""
    return pa.table(
        {
            "serial": pa.array(serials, pa.string()),
            "bucket": pa.array([bucket_of(s, buckets) for s in serials], pa.int32()),
        }
    )


def raw_months(telemetry_dir: Location, kind: str) -> list[str] | None:
    """The months of the telemetry store that hold files of a kind, oldest first; None when
    the store is in object storage (it is then read in one pass)."""
    if is_remote(telemetry_dir):
        return None
    base = Path(join(telemetry_dir, kind))
    return sorted(p.name[6:] for p in base.glob("month=*") if any(p.glob("*.parquet")))


def raw_telemetry(
    con: ibis.BaseBackend, telemetry_dir: Location, kind: str, month: str | None = None
) -> ir.Table | None:
    """The telemetry store's files of a kind as stored (duplicates included), all months or
    one, or None for none."""
    folder = join(telemetry_dir, kind)
    if month is not None:
        folder = join(folder, f"month={month}")
        if not any(Path(folder).glob("*.parquet")):
            return None
        with quiet():
            table = con.read_parquet(join(folder, "*.parquet") if con.name == "duckdb" else folder)
        return table.select(*SCHEMAS[kind].names)
    if not is_remote(telemetry_dir) and not any(Path(folder).glob("month=*/*.parquet")):
        return None
    with quiet():
        if con.name == "duckdb":
            table = con.read_parquet(join(folder, "month=*", "*.parquet"), hive_partitioning=False)
        else:
            table = con.read_parquet(folder)
    return table.select(*SCHEMAS[kind].names)


def clear(location: Location, *parts: str) -> None:
    """Remove a local dataset before it is written again part by part (object storage: the
    parts' overwrites replace it)."""
    if not is_remote(location):
        shutil.rmtree(join(location, *parts), ignore_errors=True)


def exists(location: Location, *parts: str) -> bool:
    """True when a partitioned dataset holds a Parquet file (remote: assumed present)."""
    if is_remote(location):
        return True
    return any(Path(join(location, *parts)).rglob("*.parquet"))


def read(con: ibis.BaseBackend, location: Location, *parts: str) -> ir.Table:
    """A dataset the batch wrote, its partition columns typed alike on every engine."""
    folder = join(location, *parts)
    with quiet():
        if con.name == "duckdb":
            table = con.read_parquet(join(folder, "**", "*.parquet"), hive_partitioning=True)
        else:
            table = con.read_parquet(folder)
    casts = {"month": "string", "bucket": "int32"}
    return table.mutate(**{c: table[c].cast(t) for c, t in casts.items() if c in table.columns})


def write(
    con: ibis.BaseBackend,
    expr: ir.Table,
    location: Location,
    *parts: str,
    partition_by: tuple[str, ...] = PARTITIONS,
    replace: bool = True,
) -> None:
    """Write an expression as Parquet, replacing what was there (partitioned when asked).

    ``replace=False`` (partitioned only) adds the expression's partitions beside those already
    there: each call must write partitions of its own (Spark replaces just the partitions it
    writes; DuckDB writes into the existing folder)."""
    folder = join(location, *parts)
    if not is_remote(folder):
        if replace:
            shutil.rmtree(folder, ignore_errors=True)
        Path(folder).parent.mkdir(parents=True, exist_ok=True)
    with quiet():
        if con.name == "duckdb":
            if partition_by:
                more = {} if replace else {"overwrite_or_ignore": True}
                con.to_parquet(expr, folder, partition_by=partition_by, compression="zstd", **more)
            else:
                Path(folder).mkdir(parents=True, exist_ok=True)
                con.to_parquet(expr, join(folder, "part-0.parquet"), compression="zstd")
        else:
            kwargs: dict[str, object] = {"mode": "overwrite", "compression": "zstd"}
            if partition_by:
                kwargs["partitionBy"] = list(partition_by)
            con.to_parquet(expr, folder, **kwargs)


def write_arrow(con: ibis.BaseBackend, table: pa.Table, location: Location, *parts: str) -> None:
    """Write a driver-side Arrow table (the Python stages' results) through the engine; on
    Spark its view is dropped once written, for it keeps the rows in the driver's heap."""
    name = "batch_" + "_".join(p.replace("/", "_").replace(".", "_") for p in parts)
    if con.name != "pyspark":
        write(con, ibis.memtable(table), location, *parts, partition_by=())
        return
    try:
        write(con, spark_table(con, table, name), location, *parts, partition_by=())
    finally:
        con._session.catalog.dropTempView(name)


def written_rows(con: ibis.BaseBackend, location: Location, *parts: str) -> int:
    """The rows of a dataset the batch wrote: from the Parquet footers when it is local (no
    engine job), counted on the engine when it is in object storage."""
    if is_remote(location):
        return count(con, read(con, location, *parts))
    folder = Path(join(location, *parts))
    if not folder.exists():
        return 0
    return int(ds.dataset(folder, format="parquet", partitioning="hive").count_rows())


def count(con: ibis.BaseBackend, expr: ir.Table) -> int:
    """The rows of an expression, counted on ``con``."""
    with quiet():
        return int(con.to_pyarrow(expr.count()).as_py())


def arrow(con: ibis.BaseBackend, expr: ir.Table) -> pa.Table:
    """An expression's rows as Arrow, run on ``con`` (never Ibis's default backend)."""
    return run_arrow(con, expr)
