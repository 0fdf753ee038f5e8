"""The telemetry store: append-only Parquet files partitioned by month, read through Ibis.

Layout under ``Settings().telemetry_dir``::

    status/month=YYYY-MM/part-*.parquet      fresh batches (may repeat a re-delivered reading)
    status/month=YYYY-MM/compact-*.parquet   compacted: one row per key
    measure/...                              the same for measurements
    dead_letters/month=YYYY-MM/part-*.parquet

Idempotency: a reading's key is (serial, ts, state) for status and (serial, ts, metric) for
measurements. Writers append without looking back (a listener killed after writing but
before acknowledging gets the batch again); readers keep one row per key, the last received,
while a month still has ``part-`` files, and ``compact`` rewrites a month to one row per key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from servitize.telemetry.frames import quiet, spark_table

TS = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "status": pa.schema(
        [
            ("serial", pa.string()),
            ("ts", TS),
            ("state", pa.string()),
            ("reason", pa.string()),
            ("received_at", TS),
            ("source", pa.string()),
        ]
    ),
    "measure": pa.schema(
        [
            ("serial", pa.string()),
            ("ts", TS),
            ("metric", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("received_at", TS),
            ("source", pa.string()),
        ]
    ),
    "dead_letters": pa.schema(
        [
            ("received_at", TS),
            ("source", pa.string()),
            ("topic", pa.string()),
            ("serial", pa.string()),
            ("reason", pa.string()),
            ("detail", pa.string()),
            ("payload", pa.string()),
        ]
    ),
    # Telemetry gaps the listener saw: sequence numbers that jumped. ``ts`` is the last reading
    # before the gap, ``end_ts`` the first one after it; ``missing`` the readings not received.
    "gaps": pa.schema(
        [
            ("serial", pa.string()),
            ("ts", TS),
            ("end_ts", TS),
            ("kind", pa.string()),
            ("missing", pa.int64()),
            ("detail", pa.string()),
            ("received_at", TS),
            ("source", pa.string()),
        ]
    ),
}
KEYS = {
    "status": ("serial", "ts", "state"),
    "measure": ("serial", "ts", "metric"),
    "gaps": ("serial", "ts", "end_ts"),
}
PAYLOAD_KEPT = 4096  # bytes of a dead letter's payload kept as evidence
TEXT_KEPT = 500  # characters of a dead letter's topic and serial kept


@dataclass
class Batch:
    """Readings and dead letters collected between two flushes, column by column."""

    columns: dict[str, dict[str, list[object]]] = field(
        default_factory=lambda: {k: {c: [] for c in s.names} for k, s in SCHEMAS.items()}
    )

    def __len__(self) -> int:
        return sum(len(cols["received_at"]) for cols in self.columns.values())

    def add_status(
        self, serial: str, ts_us: int, state: str, reason: str | None, received_us: int, source: str
    ) -> None:
        """Append one status event."""
        self._append("status", (serial, ts_us, state, reason, received_us, source))

    def add_measure(
        self,
        serial: str,
        ts_us: int,
        metric: str,
        value: float,
        unit: str | None,
        received_us: int,
        source: str,
    ) -> None:
        """Append one measurement."""
        self._append("measure", (serial, ts_us, metric, value, unit, received_us, source))

    def add_dead_letter(
        self,
        received_us: int,
        source: str,
        topic: str | None,
        serial: str | None,
        reason: str,
        detail: str,
        payload: bytes | str | None,
    ) -> None:
        """Append one dead letter with its reason."""
        if isinstance(payload, bytes):
            payload = payload[:PAYLOAD_KEPT].decode("utf-8", errors="replace")
        payload = payload[:PAYLOAD_KEPT] if payload else payload
        # a topic may be 64 KiB long and a serial is whatever the sender wrote: keep evidence, bounded
        topic = topic[:TEXT_KEPT] if topic else topic
        serial = serial[:TEXT_KEPT] if serial else serial
        self._append(
            "dead_letters", (received_us, source, topic, serial, reason, detail[:500], payload)
        )

    def add_gap(
        self,
        serial: str,
        start_us: int,
        end_us: int,
        kind: str,
        missing: int,
        detail: str,
        received_us: int,
        source: str,
    ) -> None:
        """Append one detected telemetry gap."""
        self._append(
            "gaps", (serial, start_us, end_us, kind, missing, detail[:500], received_us, source)
        )

    def _append(self, kind: str, values: tuple[object, ...]) -> None:
        for column, value in zip(self.columns[kind].values(), values, strict=True):
            column.append(value)

    def counts(self) -> dict[str, int]:
        """Rows per kind in this batch."""
        return {k: len(cols["received_at"]) for k, cols in self.columns.items()}

    def tables(self) -> dict[str, pa.Table]:
        """The batch as one Arrow table per kind (empty kinds left out)."""
        out = {}
        for kind, cols in self.columns.items():
            if cols["received_at"]:
                arrays = [pa.array(cols[f.name], f.type) for f in SCHEMAS[kind]]
                out[kind] = pa.Table.from_arrays(arrays, schema=SCHEMAS[kind])
        return out


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(table: pa.Table, folder: Path, prefix: str) -> Path:
    """Write a Parquet file under a temporary name, fsync it, rename it in place, fsync the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{uuid.uuid4().hex}.parquet"
    tmp = folder / f".{name}.tmp"
    with tmp.open("wb") as f:
        pq.write_table(table, f, compression="zstd")
        f.flush()
        os.fsync(f.fileno())
    final = folder / name
    os.replace(tmp, final)
    _fsync_dir(folder)
    return final


class TelemetryStore:
    """Append, compact and read the Parquet files of one telemetry folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, kind: str, month: str) -> Path:
        """The partition folder of one kind and month (YYYY-MM)."""
        return self.root / kind / f"month={month}"

    def append(self, table: pa.Table, kind: str) -> list[Path]:
        """Write rows of one kind durably, one file per month they fall in."""
        if table.num_rows == 0:
            return []
        when = table.column("received_at" if kind == "dead_letters" else "ts")
        months = pc.strftime(when, format="%Y-%m")
        paths = []
        for month in pc.unique(months).to_pylist():
            part = table.filter(pc.equal(months, month))
            paths.append(_write_durably(part, self.folder(kind, month), "part"))
        return paths

    def write(self, batch: Batch) -> dict[str, int]:
        """Write a whole batch durably; returns rows written per kind."""
        written = {}
        for kind, table in batch.tables().items():
            self.append(table, kind)
            written[kind] = table.num_rows
        return written

    def months(self, kind: str) -> list[str]:
        """The months that hold files of a kind, oldest first."""
        base = self.root / kind
        if not base.is_dir():
            return []
        return sorted(p.name[6:] for p in base.glob("month=*") if any(p.glob("*.parquet")))

    def files(self, kind: str, months: Iterable[str] | None = None) -> list[Path]:
        """The Parquet files of a kind, optionally only of some months."""
        wanted = self.months(kind) if months is None else months
        return sorted(f for m in wanted for f in self.folder(kind, m).glob("*.parquet"))

    def needs_dedupe(self, kind: str, months: Iterable[str] | None = None) -> bool:
        """True while some month holds fresh (uncompacted) files or several compacted ones."""
        for m in self.months(kind) if months is None else months:
            names = [f.name for f in self.folder(kind, m).glob("*.parquet")]
            if any(n.startswith("part-") for n in names) or len(names) > 1:
                return True
        return False

    def arrow(self, kind: str, months: Iterable[str] | None = None) -> pa.Table:
        """The rows of a kind as one Arrow table (as stored, duplicates included)."""
        files = self.files(kind, months)
        if not files:
            return SCHEMAS[kind].empty_table()
        return pa.concat_tables([pq.read_table(f, schema=SCHEMAS[kind]) for f in files])

    def table(
        self, con: ibis.BaseBackend, kind: str, months: Iterable[str] | None = None
    ) -> ibis.Table:
        """The readings of a kind as an Ibis table on ``con``, one row per key."""
        with quiet():
            return self._table(con, kind, months)

    def _table(self, con: ibis.BaseBackend, kind: str, months: Iterable[str] | None) -> ibis.Table:
        months = list(
            self.months(kind) if months is None else [m for m in months if m in self.months(kind)]
        )
        files = self.files(kind, months)
        if not files:
            table = ibis.memtable(SCHEMAS[kind].empty_table())
        elif con.name == "duckdb":
            table = con.read_parquet(
                [str(f) for f in files], table_name=f"t_{kind}_{uuid.uuid4().hex[:8]}"
            )
            table = table.select(*SCHEMAS[kind].names)
        elif con.name == "pyspark":  # Spark reads the folder itself, its months as partitions
            table = con.read_parquet(str(self.root / kind))
            table = table.filter(table.month.cast("string").isin(months))
            table = table.select(*SCHEMAS[kind].names)
        else:  # PostgreSQL: move the rows in as Arrow (no scanner extensions needed)
            table = con.create_table(
                f"t_{kind}_{uuid.uuid4().hex[:8]}", self.arrow(kind, months), temp=True
            )
        if kind in KEYS and self.needs_dedupe(kind, months):
            table = one_per_key(table, KEYS[kind])
        return table

    def compact(self, kind: str, month: str, con: ibis.BaseBackend | None = None) -> int:
        """Rewrite a month as one file with one row per key (the last received); returns rows.

        ``con``: the engine that drops the duplicates (default a new in-memory DuckDB)."""
        old = list(self.folder(kind, month).glob("*.parquet"))
        if not old:
            return 0
        table = pa.concat_tables([pq.read_table(f, schema=SCHEMAS[kind]) for f in old])
        if kind in KEYS:
            own = con is None
            con = con or ibis.duckdb.connect()
            with quiet():
                name = f"t_compact_{uuid.uuid4().hex[:8]}"
                raw = (
                    spark_table(con, table, name)  # Spark has no temporary tables
                    if con.name == "pyspark"
                    else con.create_table(name, table, temp=True)
                )
                deduped = one_per_key(raw, KEYS[kind]).order_by([*KEYS[kind]])
                table = con.to_pyarrow(deduped).select(SCHEMAS[kind].names).cast(SCHEMAS[kind])
            if own:
                con.disconnect()
        _write_durably(table, self.folder(kind, month), "compact")
        for f in old:  # a crash before this point leaves duplicates that readers still drop
            f.unlink()
        return table.num_rows


def one_per_key(table: ibis.Table, keys: tuple[str, ...]) -> ibis.Table:
    """Keep one row per key: the one received last (ties: any one, deterministically)."""
    ranked = table.mutate(
        _rank=ibis.row_number().over(
            group_by=[table[k] for k in keys],
            order_by=[ibis.desc(table.received_at), ibis.desc(table.source)],
        )
    )
    return ranked.filter(ranked._rank == 0).drop("_rank")
