"""Validate one chunk: type it with the pure rules, resolve its references against the records.

Two steps, so that the pure one can run ahead on the next chunk while the current one is being
written: ``prepare`` types a chunk (no records needed, any thread, its own DuckDB cursor);
``check`` resolves the references of a prepared chunk against what the records hold now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, ColumnDefault, Connection, Integer, String

from servitize.core.dates import year_range
from servitize.installed_base.columns import ImportKind
from servitize.installed_base.importing import lookups
from servitize.installed_base.importing.reading import Chunk
from servitize.installed_base.importing.references import (
    lookup_name,
    resolve_sql,
    seen_sql,
    sources,
    targets,
)
from servitize.installed_base.importing.rules import lit, q, refs, typed_sql

# Finds the records of a kind by key: ``(k, id, account_id)``.
Lookup = Callable[[Connection, ImportKind, list[str]], pa.Table]


@dataclass
class Prepared:
    """A chunk typed by the pure rules, with the distinct keys each reference column names."""

    chunk: Chunk
    typed: pa.Table
    keys: dict[str, list[str]]


@dataclass
class Checked:
    """A validated chunk: good rows and rejects.

    ``rows`` has the columns ``_idx, _line, _pending`` then the kind's target columns
    (``references.targets``), table defaults already filled in.
    """

    rows: pa.Table
    rejects: list[tuple[int, int, str]]  # (index in chunk, line, reason)


def max_lengths(kind: ImportKind) -> dict[str, int]:
    """The longest text each string column of the kind's table holds."""
    return {
        c.name: c.type.length
        for c in lookups.table_of(kind).columns
        if isinstance(c.type, String) and c.type.length
    }


def int_max(kind: ImportKind) -> dict[str, int]:
    """The largest value of each 32-bit integer column of the kind's table (PostgreSQL's
    INTEGER): a larger one is rejected with that reason, not left to fail the chunk's COPY."""
    return {
        c.name: 2_147_483_647
        for c in lookups.table_of(kind).columns
        if isinstance(c.type, Integer) and not isinstance(c.type, BigInteger)
    }


def defaults(kind: ImportKind) -> dict[str, object]:
    """Scalar defaults of the NOT NULL columns a file may leave empty, by target name."""
    table = lookups.table_of(kind)
    out = {}
    for name in targets(kind):
        column = table.c.get(name)
        if column is None or column.nullable or column.default is None:
            continue
        if isinstance(column.default, ColumnDefault) and column.default.is_scalar:
            out[name] = getattr(column.default.arg, "value", column.default.arg)
    return out


class Checker:
    """Validates the chunks of one import run in an in-memory DuckDB."""

    def __init__(
        self,
        kind: ImportKind,
        today: date,
        company_currency: str,
        years: tuple[int, int] | None = None,
    ) -> None:
        self.kind = kind
        self.duck = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
        self.ahead = self.duck.cursor()  # its own connection, for ``prepare`` in another thread
        self.typed = typed_sql(
            kind,
            "raw",
            today,
            company_currency,
            max_lengths(kind),
            years or year_range(),
            int_max(kind),
        )
        self.resolve = resolve_sql(kind, "typed")
        filled = defaults(kind)
        columns = [
            f"COALESCE({q(s)}, {lit(filled[t])}) AS {q(t)}" if t in filled else f"{q(s)} AS {q(t)}"
            for s, t in zip(sources(kind), targets(kind), strict=False)
        ]
        self.checked = (
            f"SELECT _idx, _line, _reason, _pending, {', '.join(columns)} "
            f"FROM ({self.resolve}) ORDER BY _line"
        )

    def close(self) -> None:
        """Free the DuckDB connections."""
        self.ahead.close()
        self.duck.close()

    def prepare(self, chunk: Chunk) -> Prepared:
        """Type one chunk (pure: no records); safe to run in another thread than ``check``."""
        n = len(chunk.lines)
        raw = chunk.table.append_column("_idx", pa.array(range(n), pa.int64())).append_column(
            "_line", pa.array(chunk.lines, pa.int64())
        )
        duck = self.ahead
        duck.register("raw", raw)
        typed = duck.sql(self.typed).to_arrow_table()
        duck.unregister("raw")
        duck.register("typed", typed)
        keys = {
            ref.column: self._keys(
                duck, ref.column, split=ref.column == "assets" and self.kind.name == "orders"
            )
            for ref in refs(self.kind)
        }
        duck.unregister("typed")
        return Prepared(chunk, typed, keys)

    def check(self, conn: Connection, prepared: Prepared, ids: Lookup = lookups.ids) -> Checked:
        """Resolve a prepared chunk's references against what ``conn`` sees (through ``ids``)."""
        duck = self.duck
        duck.register("typed", prepared.typed)
        create_seen, add_seen = seen_sql(self.kind)
        duck.execute(create_seen)
        for ref in refs(self.kind):
            found = ids(conn, ref.kind, prepared.keys[ref.column])
            duck.register(lookup_name(ref.column), found)
        checked = duck.sql(self.checked).to_arrow_table()
        reason = checked.column("_reason")
        rows = checked.drop_columns(["_reason"])
        rejects: list[tuple[int, int, str]] = []
        if reason.null_count < checked.num_rows:
            bad = pc.is_valid(reason)
            rejects = list(
                zip(
                    *[
                        checked.filter(bad).column(c).to_pylist()
                        for c in ("_idx", "_line", "_reason")
                    ],
                    strict=False,
                )
            )
            rows = rows.filter(pc.invert(bad))
        for ref in refs(self.kind):
            duck.unregister(lookup_name(ref.column))
        duck.execute(add_seen)
        duck.unregister("typed")
        return Checked(rows, rejects)

    def _keys(self, duck: duckdb.DuckDBPyConnection, column: str, split: bool) -> list[str]:
        if split:
            sql = (
                f"SELECT DISTINCT k FROM (SELECT trim(unnest(string_split({q(column)}, '|')))"
                f" AS k FROM typed) WHERE k <> ''"
            )
        else:
            sql = f"SELECT DISTINCT {q(column)} FROM typed WHERE {q(column)} IS NOT NULL"
        return duck.sql(sql).to_arrow_table().column(0).to_pylist()
