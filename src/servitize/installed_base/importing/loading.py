"""Land validated rows: bulk insert the new, update the changed (audited), skip the unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from servitize.installed_base.columns import ImportKind
from servitize.installed_base.importing import lookups, staging
from servitize.installed_base.importing.references import targets
from servitize.installed_base.importing.rules import refs, target
from servitize.trust import audit

LINKS = "assets"  # the orders' asset ids: rows of order_asset, not a column


@dataclass
class Landed:
    """What writing one chunk did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[tuple[int, int, str]] = field(default_factory=list)
    waiting: pa.Table | None = None  # rows whose self reference has not landed (yet)


class Loader:
    """Writes the validated rows of one kind through one connection."""

    def __init__(self, kind: ImportKind, present: set[str], actor: audit.Actor, now: datetime):
        self.kind = kind
        self.actor = actor
        self.now = now
        self.table = lookups.table_of(kind)
        self.names = targets(kind)
        self.key_names = [target(kind.column(k)) or k for k in kind.keys]
        self.key_at = [self.names.index(n) for n in self.key_names]
        # Only columns the file carries are compared and updated; derived ones always.
        self.compared = [i for i, c in enumerate(kind.columns) if c.name in present]
        self.compared += list(range(len(kind.columns), len(self.names)))
        self.columns = [n for n in self.names if n != LINKS]
        self.extras = _extras(self.table, self.names)
        self.stamped: dict[str, Any] = {"updated_at": now} if "updated_at" in self.table.c else {}
        if "version" in self.table.c:  # a record people edit in forms: an update moves its version,
            # so that a form opened before the import answers 409 instead of reverting it
            self.stamped["version"] = self.table.c.version + 1
        self_refs = [r.column for r in refs(kind) if r.self_ref]
        self.self_name = f"{self_refs[0]}_id" if self_refs else None
        # A first load (``bulk``) writes into a table that was empty and that no one else can
        # write to until it commits, and the checker rejects a key's repeats in a file: nothing
        # it writes can be stored already, so nothing is looked up.
        self.first_load = False
        # A first load whose key constraint was dropped (``bulk``, PostgreSQL) finds its own rows
        # by the ids it wrote, not by key: the table was empty, so they are all its rows.
        self.own_ids: dict[str, tuple[int, int | None]] | None = None
        # Columns the table fills by default during a first load (``bulk.constant_defaults``).
        self.defaulted: set[str] = set()

    def constants(self) -> dict[str, Any]:
        """The columns an insert gives the same value on every row: defaults no file carries,
        the creation and update stamps."""
        stamps = [n for n in ("created_at", "updated_at") if n in self.table.c]
        return {**self.extras, **dict.fromkeys(stamps, self.now)}

    def track_own_ids(self) -> None:
        """Look this load's rows up by the ids it wrote (a first load without a key index)."""
        self.own_ids = {}

    def ids(self, conn: Connection, kind: ImportKind, keys: list[str]) -> pa.Table:
        """``lookups.ids``, but the importing kind's own rows from memory when tracked."""
        if self.own_ids is None or kind.name != self.kind.name:
            return lookups.ids(conn, kind, keys)
        own = self.own_ids
        hits = [(k, *own[k]) for k in keys if k in own]
        if not hits:
            return lookups.LOOKUP_SCHEMA.empty_table()
        columns = list(zip(*hits, strict=False))
        return pa.table(
            [pa.array(c, t.type) for c, t in zip(columns, lookups.LOOKUP_SCHEMA, strict=False)],
            schema=lookups.LOOKUP_SCHEMA,
        )

    def _remember(self, rows: pa.Table, row_ids: range) -> None:
        """Add rows about to be written, with their ids, to ``own_ids``."""
        assert self.own_ids is not None
        accounts = (
            rows.column("account_id").to_pylist()
            if "account_id" in rows.column_names
            else [None] * rows.num_rows
        )
        keys = rows.column(self.key_names[0]).to_pylist()
        self.own_ids.update(zip(keys, zip(row_ids, accounts, strict=False), strict=False))

    def land(self, conn: Connection, rows: pa.Table, carried: pa.Table | None = None) -> Landed:
        """Write a chunk's good rows (``_idx, _line, _pending, *targets``); self references wait.

        A row whose ``_pending`` names a row of the file that has not landed yet (later in this
        chunk, or in a later chunk) waits until that row landed, then takes its id; rows still
        waiting at the end of the chunk come back in ``waiting``, to be passed in again as
        ``carried`` with the next chunk (``waiting_reasons`` rejects them at the end of the file).
        """
        result = Landed()
        pending = rows.column("_pending")
        if pending.null_count == rows.num_rows and carried is None:
            self._write(conn, rows, result)
            return result
        waits = pc.is_valid(pending)
        self._write(conn, rows.filter(pc.invert(waits)), result)
        waiting = rows.filter(waits)
        if carried is not None and carried.num_rows:
            waiting = pa.concat_tables([carried, waiting.cast(carried.schema)])
        while waiting.num_rows:
            assert self.self_name is not None
            wanted = waiting.column("_pending")
            found = self.ids(conn, self.kind, sorted(set(wanted.to_pylist())))
            at = pc.index_in(wanted, value_set=found.column("k"))
            hit = pc.is_valid(at)
            if not pc.any(hit).as_py():
                result.waiting = waiting
                break
            ready = waiting.filter(hit)
            ids = found.column("id").take(pc.drop_null(at))
            ready = ready.set_column(
                ready.schema.get_field_index(self.self_name), self.self_name, ids
            )
            waiting = waiting.filter(pc.invert(hit))
            self._write(conn, ready, result)
        return result

    def waiting_reasons(self, waiting: pa.Table) -> list[tuple[int, str]]:
        """``(line, reason)`` for rows whose self reference never landed in the whole file."""
        name = (self.self_name or "").removesuffix("_id")
        return [
            (line, f"{name} '{key}' is not imported yet, nor a row of this file that landed")
            for line, key in zip(
                waiting.column("_line").to_pylist(),
                waiting.column("_pending").to_pylist(),
                strict=False,
            )
        ]

    def _keys(self, rows: pa.Table) -> list[Any]:
        """The key of each row: a value, or a tuple where the key has several columns."""
        if len(self.key_names) == 1:
            return rows.column(self.key_names[0]).to_pylist()
        return list(zip(*[rows.column(n).to_pylist() for n in self.key_names], strict=False))

    def _tuples(self, rows: pa.Table) -> Iterator[tuple[Any, ...]]:
        return zip(*[rows.column(n).to_pylist() for n in self.names], strict=False)

    def _write(self, conn: Connection, rows: pa.Table, result: Landed) -> None:
        if not rows.num_rows:
            return
        if not self.first_load and LINKS not in self.names:
            self._merge(conn, rows, result)
            return
        keys = self._keys(rows)
        stored = {} if self.first_load else self._stored(conn, keys)
        new = rows
        if stored:
            known = pa.array([k in stored for k in keys], pa.bool_())
            new = rows.filter(pc.invert(known))
            changes = []
            for key, values in zip(
                (k for k in keys if k in stored), self._tuples(rows.filter(known)), strict=False
            ):
                row_id, old_values = stored[key]
                if old_values == values:  # the common case, decided in C
                    result.unchanged += 1
                    continue
                changed = {
                    self.names[i]: values[i]
                    for i in self.compared
                    if not _same(old_values[i], values[i])
                }
                if changed:
                    old = {
                        self.names[i]: old_values[i]
                        for i in self.compared
                        if self.names[i] in changed
                    }
                    changes.append((row_id, old, changed))
                else:
                    result.unchanged += 1
            if changes:
                self._update(conn, changes)
                result.updated += len(changes)
        if new.num_rows:
            self._insert(conn, new)
            result.inserted += new.num_rows

    def _merge(self, conn: Connection, rows: pa.Table, result: Landed) -> None:
        """Write the rows into a staging table, then in SQL find the stored records that
        change and insert the new rows; the rest count as unchanged. Changed records are
        updated (and audited) by ``_update``, with the values as the chunk has them."""
        plan = staging.Merge(
            self.table,
            self.columns,
            self.key_names,
            [self.names[i] for i in self.compared],
            conn.dialect.name,
        )
        plan.stage(conn, rows.select(self.columns))
        pg = conn.dialect.name == "postgresql"
        stamp: Any = self.now if pg else _stamp(conn, self.now)
        stamps = [n for n in ("created_at", "updated_at") if n in self.table.c]
        extras = {**self.extras, **dict.fromkeys(stamps, stamp)}
        if pg:  # one join: the changed records, and the new rows inserted
            differing, inserted = plan.merge(conn, extras)
        else:
            differing = list(plan.changed(conn))
        changes = []
        if differing:
            at = {key: i for i, key in enumerate(self._keys(rows))}
            columns = [rows.column(name) for name in plan.compared]
            for row_id, key, old_values in differing:
                old, new = {}, {}
                for name, column, before in zip(plan.compared, columns, old_values, strict=False):
                    after = column[at[key]].as_py()
                    if not _same(before, after):
                        old[name], new[name] = before, after
                if new:
                    changes.append((row_id, old, new))
        if not pg:
            inserted = plan.insert_new(conn, extras)
        if changes:
            self._update(conn, changes)
        result.inserted += inserted
        result.updated += len(changes)
        result.unchanged += rows.num_rows - inserted - len(changes)

    def _stored(self, conn: Connection, keys: list[Any]) -> dict[Any, tuple[int, tuple[Any, ...]]]:
        """Stored values by key, aligned with ``self.names`` (order links included)."""
        found = lookups.existing(conn, self.kind, keys, self.columns)
        if LINKS not in self.names:
            return {key: (row[0], row[1:]) for key, row in found.items()}
        links = lookups.order_assets(conn, [v[0] for v in found.values()]) if found else {}
        at = self.names.index(LINKS)
        out = {}
        for key, (row_id, *values) in found.items():
            values.insert(at, links.get(row_id, []))
            out[key] = (row_id, tuple(values))
        return out

    def _insert(self, conn: Connection, rows: pa.Table) -> None:
        keep = [n for n in self.names if n != LINKS]
        stamp = _stamp(conn, self.now)
        stamps = [n for n in ("created_at", "updated_at") if n in self.table.c]
        extras = {**self.extras, **dict.fromkeys(stamps, stamp)}
        columns = keep + list(extras)
        if conn.dialect.name == "postgresql":
            extras = {k: v for k, v in extras.items() if k not in self.defaulted}
            columns = keep + list(extras)
            data = rows.select(keep)
            for name, value in extras.items():
                data = data.append_column(name, pa.array([value] * rows.num_rows))
            if self.own_ids is not None:  # the ids are chosen here, to find the rows by them
                row_ids = lookups.new_ids(conn, self.kind, rows.num_rows)
                data = data.append_column("id", pa.array(row_ids, pa.int64()))
                columns = [*columns, "id"]
                self._remember(rows, row_ids)
            lookups.copy_csv(conn, self.table.name, columns, data)
        else:
            values = [rows.column(n).to_pylist() for n in keep]
            insert_rows(
                conn,
                self.table.name,
                columns,
                zip(*values, *(repeat(v) for v in extras.values()), strict=False),
            )
        if LINKS in self.names:
            listed = [
                (k, a)
                for k, a in zip(self._keys(rows), rows.column(LINKS).to_pylist(), strict=False)
                if a
            ]
            found = lookups.ids(conn, self.kind, [k for k, _ in listed])
            ids = dict(
                zip(found.column("k").to_pylist(), found.column("id").to_pylist(), strict=False)
            )
            links = [(ids[k], a) for k, assets in listed for a in assets]
            bulk_insert(conn, "order_asset", ["order_id", "asset_id"], links)

    def _update(self, conn: Connection, changes: list[tuple[int, dict, dict]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        links: list[tuple[int, list[int]]] = []
        for row_id, _old, new in changes:
            if LINKS in new:
                links.append((row_id, new[LINKS] or []))
            columns = tuple(sorted(n for n in new if n != LINKS))
            if columns:
                params = {f"p_{n}": _bindable(self.table.c[n].type, new[n]) for n in columns}
                groups.setdefault(columns, []).append({"p_id": row_id, **params})
        for columns, rows in groups.items():
            values: dict[str, Any] = {n: bindparam(f"p_{n}") for n in columns}
            statement = (
                update(self.table)
                .where(self.table.c.id == bindparam("p_id"))
                .values(**values, **self.stamped)
            )
            conn.execute(statement, rows)
        if links:
            link = lookups.Base.metadata.tables["order_asset"]
            conn.execute(delete(link).where(link.c.order_id.in_([i for i, _ in links])))
            pairs = [{"order_id": i, "asset_id": a} for i, assets in links for a in assets]
            if pairs:
                conn.execute(insert(link), pairs)
        with Session(bind=conn) as session:
            for row_id, old, new in changes:
                audit.record(
                    session,
                    self.actor,
                    "update",
                    self.table.name,
                    row_id,
                    before=old,
                    after=new,
                    note="import",
                )
            session.flush()


def _same(stored: Any, new: Any) -> bool:
    if isinstance(stored, date | time):
        stored = stored.isoformat()
    if stored in (None, []) and new in (None, []):
        return True
    return stored == new


def _bindable(column_type: Any, value: Any) -> Any:
    """ISO date (or time) text back to a date (a time), for SQLAlchemy's typed binds."""
    if isinstance(value, str) and column_type.python_type is date:
        return date.fromisoformat(value)
    if isinstance(value, str) and column_type.python_type is time:
        return time.fromisoformat(value)
    return value


def _extras(table: Any, names: list[str]) -> dict[str, Any]:
    """Columns no file carries that need their scalar default on insert (user.active)."""
    out = {}
    for column in table.columns:
        default = column.default
        if column.name in names or column.name in ("id", "created_at", "updated_at"):
            continue
        if default is not None and default.is_scalar:
            out[column.name] = default.arg
    return out


def _stamp(conn: Connection, now: datetime) -> str:
    """``now`` as text the dialect reads as a timezone-aware DateTime."""
    if conn.dialect.name == "sqlite":
        return now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return now.isoformat()


def insert_rows(conn: Connection, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """SQLite: insert rows from any iterable (no list of them is built) in one executemany."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    with lookups.driver_cursor(conn, statement) as cursor:
        cursor.executemany(statement, rows)


def bulk_insert(conn: Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain tuples fast: PostgreSQL COPY, otherwise executemany."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        copy_sql = f'COPY "{table}" ({names}) FROM STDIN'
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
