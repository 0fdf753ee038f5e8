"""A pooled PostgreSQL connection is tested before use only after it sat unused a while: a
request right after another sends no test round trip, and a connection the server dropped while
it sat idle is replaced without the request seeing an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servitize.core import db
from tests.servers import POSTGRES_URL, port_open, require


@pytest.fixture
def engine() -> Iterator[Engine]:
    require(port_open("127.0.0.1", 5432), "PostgreSQL")
    engine = db.make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The tests the pool sends (the dialect's ping), counted."""
    seen: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        seen.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_back_a_moment_ago_is_used_without_a_test(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(engine)
    pings = _pings(engine, monkeypatch)
    assert [_backend(engine) for _ in range(3)] == [first] * 3
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = _backend(engine)
    admin = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    pings = _pings(engine, monkeypatch)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    fresh = _backend(engine)  # no error: the test found it dead and the pool connected anew
    assert fresh != dropped
    assert pings and getattr(pings[0], "broken", False)  # the dropped one was tested first
