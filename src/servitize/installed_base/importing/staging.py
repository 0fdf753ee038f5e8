"""PostgreSQL: land a chunk into a table that has rows through a staging table, merged in SQL.

The validated rows of a chunk (typed by the pure rules, references resolved) are copied into a
temporary table shaped like the target (``COPY``); then three statements do what comparing
the chunk row by row in Python did: select the rows whose compared values differ from the
stored record (old and new values, for the update and its audit entry), insert the rows whose
key is not stored yet, and count the rest as unchanged. The staging table lives in the
import's transaction only (``ON COMMIT DROP``): a crash leaves nothing behind.
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

    @property
    def name(self) -> str:
        """The staging table: temporary, one per kind."""
        return f"import_stage_{self.table.name}"

    def stage(self, conn: Connection, rows: pa.Table) -> None:
        """Empty the staging table (created in this transaction when missing) and COPY ``rows``
        into it."""
        listed = ", ".join(_q(c) for c in self.columns)
        with driver_cursor(conn, "CREATE TEMP TABLE") as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_q(self.name)} ON COMMIT DROP AS "
                f"SELECT {listed} FROM {_q(self.table.name)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {_q(self.name)}")
        copy_csv(conn, self.name, self.columns, rows)

    def _join(self) -> str:
        return " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in self.keys)

    def _value(self, alias: str, name: str) -> str:
        if self.table.c[name].type.python_type is date:
            return f"to_char({alias}.{_q(name)}, 'YYYY-MM-DD')"
        return f"{alias}.{_q(name)}"

    def changed(self, conn: Connection) -> Iterator[tuple[int, tuple[Any, ...], tuple[Any, ...]]]:
        """``(id, stored values, new values)`` of the compared columns, for every staged row
        whose stored record differs in one of them (dates as ISO text)."""
        stored = ", ".join(f"t.{_q(c)}" for c in self.compared)
        new = ", ".join(f"s.{_q(c)}" for c in self.compared)
        width = len(self.compared)
        shown = [self._value(a, c) for a in ("t", "s") for c in self.compared]
        statement = (
            f"SELECT t.id, {', '.join(shown)} FROM {_q(self.name)} s "
            f"JOIN {_q(self.table.name)} t ON {self._join()} "
            f"WHERE ROW({stored}) IS DISTINCT FROM ROW({new})"
        )
        with driver_cursor(conn, statement) as cursor:
            cursor.execute(statement)
            rows = cursor.fetchall()
        for row in rows:
            yield row[0], tuple(row[1 : 1 + width]), tuple(row[1 + width :])

    def insert_new(self, conn: Connection, extras: dict[str, Any]) -> int:
        """Insert the staged rows whose key is not stored; how many there were."""
        names = [*self.columns, *extras]
        values = [f"s.{_q(c)}" for c in self.columns] + ["%s"] * len(extras)
        statement = (
            f"INSERT INTO {_q(self.table.name)} ({', '.join(_q(n) for n in names)}) "
            f"SELECT {', '.join(values)} FROM {_q(self.name)} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_q(self.table.name)} t WHERE {self._join()})"
        )
        with driver_cursor(conn, statement) as cursor:
            cursor.execute(statement, [getattr(v, "value", v) for v in extras.values()])
            return int(cursor.rowcount)
