"""One import of a kind at a time: a second import of the same kind waits for the first.

Two imports of one kind at once would both find a table empty and start a first load, or both
insert the same new keys; instead the second waits, then finds the first's rows stored (they
are then updates or unchanged). PostgreSQL: a session advisory lock per kind, released when the
import ends or its connection drops. SQLite: an exclusive lock on a file beside the database,
released when the import ends or its process dies. In-memory SQLite has no second process.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: imports are not serialised there
    fcntl = None  # type: ignore[assignment]

NAMESPACE = "servitize-import:"


def lock_key(kind: str) -> int:
    """A stable signed 64-bit advisory-lock key for an import kind."""
    digest = hashlib.sha256((NAMESPACE + kind).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_path(engine: Engine, kind: str) -> Path | None:
    """The lock file of an import kind beside a SQLite database file; None in memory."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).with_name(f"{Path(database).name}.import-{kind}.lock")


@contextmanager
def import_lock(engine: Engine, kind: str) -> Iterator[float]:
    """Hold the lock of ``kind`` for an import; yields the seconds spent waiting for it."""
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        key = lock_key(kind)
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield time.perf_counter() - started
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    path = lock_path(engine, kind) if engine.dialect.name == "sqlite" else None
    if path is None or fcntl is None:
        yield 0.0
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield time.perf_counter() - started
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
