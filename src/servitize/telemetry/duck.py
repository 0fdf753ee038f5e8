"""One in-memory DuckDB database per process, and a connection of its own for each use.

Opening a DuckDB database costs tens of milliseconds; a page that computes several periods
opened one per period. A cursor of the process's database costs nothing and sees only its own
temporary tables and registered Arrow tables, which go when it is closed.
"""

from __future__ import annotations

import os
import threading

import duckdb
import ibis
from ibis.backends.duckdb import Backend

_LOCK = threading.Lock()
_DATABASE: list[tuple[int, duckdb.DuckDBPyConnection]] = []  # (process, database)


def cursor() -> duckdb.DuckDBPyConnection:
    """A connection of its own to this process's in-memory database (opened on first use; a
    forked worker opens its own); times in UTC. Close it when done."""
    with _LOCK:
        if not _DATABASE or _DATABASE[0][0] != os.getpid():
            _DATABASE[:] = [(os.getpid(), duckdb.connect())]
        con = _DATABASE[0][1].cursor()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")
    return con


def backend() -> Backend:
    """An Ibis backend on a new ``cursor`` (``disconnect`` closes the cursor)."""
    return ibis.duckdb.from_connection(cursor())
