"""A first load: into an empty table, build the secondary indexes once at the end.

Keeping six indexes (and, on PostgreSQL, three foreign-key triggers) up to date row by row is
most of the cost of loading a million machines. Into an empty table the import instead drops
the table's non-unique indexes (PostgreSQL: its foreign keys too), writes every chunk, then
builds the indexes in one sorted pass and adds the foreign keys back, which checks every row in
one join. On PostgreSQL the unique constraint of the import key goes too (keeping it row by row
costs more than the rest of the load: each insert compares text under the database's collation);
the importer already rejects a key's repeats, and the load looks its own rows up by the ids it
wrote (``Loader``), not through that index. Other unique constraints stay.

On PostgreSQL the columns that are the same on every row of the load (its creation and update
stamps, a version's first value) become the columns' defaults for the load instead of values
sent and parsed on every row (a timestamp's text costs more to parse than the rest of a row);
``rebuild`` puts the table's own defaults back.

All of it runs in one transaction, DDL included (both databases roll DDL back): a crash or a
failed check leaves the table as it was, empty and fully indexed, and nothing was reported as
landed. An import into a table that already has rows commits chunk by chunk instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, ForeignKeyConstraint, Index, Table, UniqueConstraint, select
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

# 256 MiB of page cache (negative: KiB) keeps the indexes of a million-row table in memory.
SQLITE_BULK = {"cache_size": -256 * 1024, "temp_store": 2}
# A first load checks foreign keys once, over the whole table, at its end (``rebuild``).
SQLITE_FIRST_LOAD = {"foreign_keys": 0}
# PostgreSQL: memory for the index builds at the end of a first load (this transaction only).
MAINTENANCE_WORK_MEM = "256MB"


class BulkLoadError(RuntimeError):
    """The finished first load breaks a constraint; it was rolled back whole."""


@dataclass
class Deferred:
    """What a first load took off its table, to put back before it commits."""

    table: Table
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKeyConstraint] = field(default_factory=list)
    uniques: list[UniqueConstraint] = field(default_factory=list)
    # Columns whose default is the load's constant value: their own default (SQL, or None).
    defaults: dict[str, str | None] = field(default_factory=dict)


def is_empty(conn: Connection, table: Table) -> bool:
    """True when the table holds no row."""
    return conn.execute(select(1).select_from(table).limit(1)).first() is None


def begin_first_load(conn: Connection, table: Table, keys: list[str] | None = None) -> Deferred:
    """Inside the load's transaction: drop the table's secondary indexes (and on PostgreSQL its
    foreign keys and the unique constraint over exactly ``keys``, the import key). Only indexes
    and constraints the models declare are touched, so ``rebuild`` puts back exactly what the
    migrations made."""
    _begin_ddl(conn)
    deferred = Deferred(table, indexes=[i for i in table.indexes if not i.unique])
    if conn.dialect.name == "postgresql":  # SQLite cannot drop a foreign key from a table
        deferred.foreign_keys = sorted(table.foreign_key_constraints, key=lambda c: str(c.name))
        deferred.uniques = [
            c
            for c in table.constraints
            if isinstance(c, UniqueConstraint)
            and c.name
            and keys
            and {col.name for col in c.columns} == set(keys)
            and not _referenced(table, c)
        ]
    for constraint in deferred.foreign_keys:
        conn.execute(DropConstraint(constraint))
    for unique in deferred.uniques:
        conn.execute(DropConstraint(unique))
    for index in deferred.indexes:
        conn.execute(DropIndex(index))
    return deferred


def constant_defaults(conn: Connection, deferred: Deferred, values: dict[str, Any]) -> set[str]:
    """PostgreSQL, inside a first load: make ``values`` (column: the value every row of the load
    has) the columns' defaults, so that no row carries them; the columns now defaulted.
    ``rebuild`` puts the defaults the table had back."""
    if conn.dialect.name != "postgresql" or not values:
        return set()
    from psycopg import sql  # PostgreSQL's driver: only here

    table = deferred.table.name
    statement = (
        "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %(t)s::regclass AND a.attname = ANY(%(n)s)"
    )
    found = conn.exec_driver_sql(statement, {"t": _q(table), "n": list(values)}).all()
    driver = conn.connection.driver_connection
    for name, default in found:
        deferred.defaults[name] = default
        value = getattr(values[name], "value", values[name])
        literal = sql.Literal(value).as_string(driver)
        conn.exec_driver_sql(
            f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(name)} SET DEFAULT {literal}"
        )
    return set(deferred.defaults)


def rebuild(conn: Connection, deferred: Deferred) -> None:
    """Build the dropped indexes and add the foreign keys back (each checks all rows)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for name, default in deferred.defaults.items():
        column = f"ALTER TABLE {_q(deferred.table.name)} ALTER COLUMN {_q(name)}"
        conn.exec_driver_sql(
            f"{column} DROP DEFAULT" if default is None else f"{column} SET DEFAULT {default}"
        )
    for unique in deferred.uniques:
        conn.execute(AddConstraint(unique))
    for index in deferred.indexes:
        conn.execute(CreateIndex(index))
    for constraint in deferred.foreign_keys:
        conn.execute(AddConstraint(constraint))
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql(f'PRAGMA foreign_key_check("{deferred.table.name}")').first()
        if broken is not None:
            raise BulkLoadError(
                f"{deferred.table.name}: row {broken[1]} refers to a missing {broken[2]} record"
            )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _referenced(table: Table, constraint: UniqueConstraint) -> bool:
    """Whether a foreign key of any table points at the columns of ``constraint``."""
    columns = set(constraint.columns)
    return any(
        fk.column in columns
        for other in table.metadata.tables.values()
        for fk in other.foreign_keys
        if fk.column.table is table
    )


def _begin_ddl(conn: Connection) -> None:
    """SQLite's driver opens a transaction only before a data change; open it for the DDL."""
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN")


def sqlite_bulk_settings(conn: Connection, first_load: bool) -> Callable[[], None]:
    """SQLite: a page cache big enough for the indexes of a million-row load, temp b-trees in
    memory, and for a first load no foreign-key check per row; the returned function puts the
    connection's settings back (it returns to the pool).

    Durability is unchanged: WAL with ``synchronous=NORMAL`` keeps every committed chunk.
    """
    if conn.dialect.name != "sqlite":
        return lambda: None
    pragmas = SQLITE_BULK | (SQLITE_FIRST_LOAD if first_load else {})
    before = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas}
    for pragma, value in pragmas.items():
        conn.exec_driver_sql(f"PRAGMA {pragma}={value}")
    conn.commit()

    def restore() -> None:
        for pragma, value in before.items():
            conn.exec_driver_sql(f"PRAGMA {pragma}={value}")
        conn.commit()

    return restore
