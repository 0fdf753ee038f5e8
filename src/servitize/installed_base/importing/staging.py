"""Land a chunk into a table that has rows through a staging table, merged in SQL.

The validated rows of a chunk (typed by the pure rules, references resolved) are written into a
temporary table shaped like the target (PostgreSQL: ``COPY``; SQLite: one ``executemany``);
then SQL does what comparing the chunk row by row in Python did: select the stored records
whose compared values differ from their staged row (their old values, for the update and its
audit entry), insert the staged rows whose key is not stored yet, and leave the rest, which
count as unchanged. On PostgreSQL both happen in one statement (``merge``), one join of the
staged rows with the stored records. The staging table is temporary, seen by the import's
connection only; on PostgreSQL it is dropped when each transaction ends (``ON COMMIT DROP``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table

from servitize.installed_base.importing.lookups import copy_csv, driver_cursor


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Merge:
    """Merging the chunks of one kind into ``table`` (unique by its import key)."""

    table: Table
    columns: list[str]  # the validated rows' columns, in the staging table's order
    keys: list[str]  # the import key's columns (a unique constraint of ``table``)
    compared: list[str]  # columns whose difference makes a stored record change
    dialect: str = "postgresql"

    @property
    def name(self) -> str:
        """The staging table: temporary, one per kind."""
        return f"import_stage_{self.table.name}"

    @property
    def _pg(self) -> bool:
        return self.dialect == "postgresql"

    def stage(self, conn: Connection, rows: pa.Table) -> None:
        """Empty the staging table (created when missing) and write ``rows`` into it."""
        listed = ", ".join(_q(c) for c in self.columns)
        source = f"SELECT {listed} FROM {_q(self.table.name)}"
        if self._pg:
            create = (
                f"CREATE TEMP TABLE IF NOT EXISTS {_q(self.name)} ON COMMIT DROP AS "
                f"{source} WITH NO DATA"
            )
            empty = f"TRUNCATE {_q(self.name)}"
        else:
            create = f"CREATE TEMP TABLE IF NOT EXISTS {_q(self.name)} AS {source} LIMIT 0"
            empty = f"DELETE FROM {_q(self.name)}"
        with driver_cursor(conn, create) as cursor:
            cursor.execute(create)
            cursor.execute(empty)
        if self._pg:
            copy_csv(conn, self.name, self.columns, rows)
            return
        statement = (
            f"INSERT INTO {_q(self.name)} ({listed}) "
            f"VALUES ({', '.join('?' for _ in self.columns)})"
        )
        values = [rows.column(c).to_pylist() for c in self.columns]
        with driver_cursor(conn, statement) as cursor:
            cursor.executemany(statement, zip(*values, strict=False))

    def _join(self) -> str:
        return " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in self.keys)

    def _value(self, name: str) -> str:
        """A stored column as the importer compares it: PostgreSQL dates as ISO text (SQLite
        stores them so)."""
        if self._pg and self.table.c[name].type.python_type is date:
            return f"to_char(t.{_q(name)}, 'YYYY-MM-DD')"
        return f"t.{_q(name)}"

    def changed(self, conn: Connection) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]:
        """``(id, key, stored values of the compared columns)`` of every stored record whose
        staged row differs in one of them (dates as ISO text, a key of one column as a value)."""
        stored = ", ".join(f"t.{_q(c)}" for c in self.compared)
        new = ", ".join(f"s.{_q(c)}" for c in self.compared)
        differs = (
            f"ROW({stored}) IS DISTINCT FROM ROW({new})"
            if self._pg
            else f"({stored}) IS NOT ({new})"
        )
        shown = [self._value(c) for c in (*self.keys, *self.compared)]
        statement = (
            f"SELECT t.id, {', '.join(shown)} FROM {_q(self.name)} s "
            f"JOIN {_q(self.table.name)} t ON {self._join()} WHERE {differs}"
        )
        with driver_cursor(conn, statement) as cursor:
            cursor.execute(statement)
            rows = cursor.fetchall()
        width = len(self.keys)
        for row in rows:
            key = row[1] if width == 1 else tuple(row[1 : 1 + width])
            yield row[0], key, tuple(row[1 + width :])

    def merge(
        self, conn: Connection, extras: dict[str, Any]
    ) -> tuple[list[tuple[int, Any, tuple[Any, ...]]], int]:
        """PostgreSQL: ``changed`` and ``insert_new`` in one statement, so that the staged rows
        are joined to the stored records once: the changed records as ``changed`` gives them,
        and how many rows were new (inserted, with ``extras``)."""
        width = len(self.keys)
        shown = ", ".join(self._value(c) for c in (*self.keys, *self.compared))
        stored = ", ".join(f"t.{_q(c)}" for c in self.compared)
        new = ", ".join(f"s.{_q(c)}" for c in self.compared)
        names = [*self.columns, *extras]
        values = [f"j.{_q(c)}" for c in self.columns] + ["%s"] * len(extras)
        target = _q(self.table.name)
        # The stored values are shown for the changed records only (found again by id): most
        # staged rows are unchanged, and the join's rows are kept for the insert.
        statement = (
            f"WITH j AS (SELECT s.*, t.id AS _stored_id, "
            f"ROW({stored}) IS DISTINCT FROM ROW({new}) AS _differs "
            f"FROM {_q(self.name)} s LEFT JOIN {target} t ON {self._join()}), "
            f"ins AS (INSERT INTO {target} ({', '.join(_q(n) for n in names)}) "
            f"SELECT {', '.join(values)} FROM j WHERE j._stored_id IS NULL RETURNING 1) "
            f"SELECT (SELECT count(*) FROM ins), t.id, {shown} FROM (SELECT 1) one "
            f"LEFT JOIN (j JOIN {target} t ON t.id = j._stored_id AND j._differs) ON TRUE"
        )
        with driver_cursor(conn, statement) as cursor:
            cursor.execute(statement, [getattr(v, "value", v) for v in extras.values()])
            rows = cursor.fetchall()
        changed = [
            (row[1], row[2] if width == 1 else tuple(row[2 : 2 + width]), tuple(row[2 + width :]))
            for row in rows
            if row[1] is not None
        ]
        return changed, int(rows[0][0])

    def insert_new(self, conn: Connection, extras: dict[str, Any]) -> int:
        """Insert the staged rows whose key is not stored, with ``extras`` (columns no file
        carries, the same for every row); how many there were."""
        names = [*self.columns, *extras]
        mark = "%s" if self._pg else "?"
        values = [f"s.{_q(c)}" for c in self.columns] + [mark] * len(extras)
        statement = (
            f"INSERT INTO {_q(self.table.name)} ({', '.join(_q(n) for n in names)}) "
            f"SELECT {', '.join(values)} FROM {_q(self.name)} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_q(self.table.name)} t WHERE {self._join()})"
        )
        with driver_cursor(conn, statement) as cursor:
            cursor.execute(statement, [getattr(v, "value", v) for v in extras.values()])
            return int(cursor.rowcount)
