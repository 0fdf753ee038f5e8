"""Read what the records already hold for a chunk: ids by external id, existing rows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import DBAPIError

from servitize.core.db import Base
from servitize.installed_base import models  # noqa: F401  (registers the tables)
from servitize.installed_base.columns import ImportKind
from servitize.installed_base.importing.rules import target
from servitize.trust import models as trust_models  # noqa: F401  (registers the tables)

BATCH = 10_000  # keys per IN (...) list: below SQLite's bound-parameter limit (32,766)

LOOKUP_SCHEMA = pa.schema([("k", pa.string()), ("id", pa.int64()), ("account_id", pa.int64())])


def table_of(kind: ImportKind) -> Table:
    """The records table an import kind lands in."""
    return Base.metadata.tables[kind.table]


def _batches(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), BATCH):
        yield keys[start : start + BATCH]


def _select(
    conn: Connection, table: Table, key: str, columns: Sequence[str], keys: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Raw rows ``(key, *columns)`` whose key is in ``keys``: driver SQL, no per-value typing.

    Dates come as ISO text on both dialects (SQLite stores them so).
    """
    pg = conn.dialect.name == "postgresql"
    names = ", ".join(_expression(table, c, pg) for c in (key, *columns))
    head = f'SELECT {names} FROM "{table.name}" WHERE "{key}"'
    out: list[tuple[Any, ...]] = []
    with driver_cursor(conn, head) as cursor:
        for batch in _batches(list(keys)):
            if pg:
                cursor.execute(f"{head} = ANY(%b)", (list(batch),))
            else:
                cursor.execute(f"{head} IN ({', '.join('?' for _ in batch)})", tuple(batch))
            out += cursor.fetchall()
    return out


@contextmanager
def driver_cursor(conn: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the driver itself (no per-row SQLAlchemy work) whose errors are raised as
    SQLAlchemy's (a database never migrated reads as a DBAPIError, as through ``execute``)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
    finally:
        cursor.close()


def _expression(table: Table, name: str, pg: bool) -> str:
    if pg and name in table.c and table.c[name].type.python_type is date:
        return f"to_char(\"{name}\", 'YYYY-MM-DD')"
    return f'"{name}"'


def ids(conn: Connection, kind: ImportKind, keys: Sequence[str]) -> pa.Table:
    """``(k, id, account_id)`` of the records of ``kind`` whose key is among ``keys``."""
    table = table_of(kind)
    has_account = "account_id" in table.c
    columns = ["id", "account_id"] if has_account else ["id"]
    found = list(zip(*_select(conn, table, kind.key, columns, keys), strict=False))
    if not found:
        return LOOKUP_SCHEMA.empty_table()
    account = found[2] if has_account else pa.nulls(len(found[0]), pa.int64())
    return pa.table(
        [
            pa.array(found[0], pa.string()),
            pa.array(found[1], pa.int64()),
            pa.array(account, pa.int64()),
        ],
        schema=LOOKUP_SCHEMA,
    )


def new_ids(conn: Connection, kind: ImportKind, count: int) -> range:
    """PostgreSQL, a first load: ``count`` fresh ids of the kind's table, reserved in one step
    (the sequence moved past them). The first load holds the table's exclusive lock (its
    indexes are dropped), so no other insert into it can take an id meanwhile; if anything
    else did, the primary key would refuse the load and it would roll back whole."""
    table = table_of(kind).name
    statement = (
        "SELECT setval(s, nextval(s) + %s - 1) FROM "
        f"pg_get_serial_sequence('\"{table}\"', 'id') AS s"
    )
    with driver_cursor(conn, statement) as cursor:
        cursor.execute(statement, (count,))
        last = int(cursor.fetchone()[0])
    return range(last - count + 1, last + 1)


def existing(
    conn: Connection, kind: ImportKind, keys: Sequence[Any], columns: Sequence[str]
) -> dict[Any, tuple[Any, ...]]:
    """The stored ``(id, *columns)`` of every record of ``kind`` whose key is in ``keys``.

    Values come as the driver gives them (SQLite: booleans as 0/1), dates as ISO text. A key of
    several columns (``kind.keys``) is a tuple of their values.
    """
    table = table_of(kind)
    if len(kind.keys) == 1:
        return {r[0]: tuple(r[1:]) for r in _select(conn, table, kind.key, ["id", *columns], keys)}
    # A key of several columns: select by its first column, keep the exact keys.
    names = [target(kind.column(k)) or k for k in kind.keys]
    at = [list(columns).index(n) for n in names]
    wanted = set(keys)
    out = {}
    for row in _select(conn, table, names[0], ["id", *columns], sorted({k[0] for k in wanted})):
        key = tuple(row[2 + i] for i in at)
        if key in wanted:
            out[key] = tuple(row[1:])
    return out


def order_assets(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[int]]:
    """The sorted asset ids linked to each order."""
    link = Base.metadata.tables["order_asset"]
    out: dict[int, list[int]] = {}
    for batch in _batches(list(order_ids)):
        query = select(link.c.order_id, link.c.asset_id).where(link.c.order_id.in_(batch))
        for order_id, asset_id in conn.execute(query):
            out.setdefault(order_id, []).append(asset_id)
    return {k: sorted(v) for k, v in out.items()}


def copy_csv(conn: Connection, table: str, columns: list[str], data: pa.Table) -> None:
    """PostgreSQL: COPY an Arrow table as CSV (null: empty; empty text: \"\")."""
    if not data.num_rows:
        return
    buffer = io.BytesIO()
    pcsv.write_csv(data, buffer, pcsv.WriteOptions(include_header=False))
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table}" ({names}) FROM STDIN (FORMAT csv)'
    with driver_cursor(conn, statement) as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getbuffer())
