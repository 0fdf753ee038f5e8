"""Count the SQL statements a request or a call makes, and hold list pages to a budget.

A list page whose query count grows with its rows (one query per opportunity, per account …)
is slow on a real installed base long before a test notices. Wrap the request::

    with count_queries(engine) as queries:
        client.get("/sales/pipeline")
    assert_budget(queries, 6)

What to listen on: the test clients (``client``, ``app_client``, ``data_app_client``) run every
request on the test's own connection, which comes from the session-scoped ``engine`` fixture —
so pass that ``engine`` (or the test's ``session`` or ``connection``; they resolve to it). An
app itself (``client.app``) resolves to ``app.state.engine``, the engine the app opened — the
right one for an app served without the test overrides, but not for the test clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


@dataclass
class QueryCounter:
    """The statements seen while the ``count_queries`` block ran, in order."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def report(self) -> str:
        """The statements, numbered, one per line (long ones cut)."""
        lines = []
        for number, statement in enumerate(self.statements, start=1):
            one_line = " ".join(statement.split())
            lines.append(f"{number:3d}. {one_line[:300]}")
        return "\n".join(lines)


def _engine_of(target: Any) -> Engine:
    """The engine behind an engine, connection, session or app."""
    if isinstance(target, Engine):
        return target
    if isinstance(target, sa.Connection):
        return target.engine
    if isinstance(target, Session):
        bind = target.get_bind()
        return bind if isinstance(bind, Engine) else bind.engine
    state = getattr(target, "state", None)
    engine = getattr(state, "engine", None)
    if isinstance(engine, Engine):
        return engine
    raise TypeError(
        f"count_queries needs an Engine, Connection, Session or an app with state.engine, "
        f"not {type(target).__name__}"
    )


# Transaction bookkeeping the test fixtures add (savepoints around every session commit);
# not part of what a page costs on a real server.
_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def count_queries(target: Any) -> Iterator[QueryCounter]:
    """Count the statements sent on ``target``'s engine while the block runs.

    Savepoint bookkeeping is left out: the test fixtures wrap each session commit in one.
    """
    engine = _engine_of(target)
    counter = QueryCounter()

    def before_cursor_execute(  # type: ignore[no-untyped-def]
        conn, cursor, statement, parameters, context, executemany
    ) -> None:
        if not statement.lstrip().upper().startswith(_BOOKKEEPING):
            counter.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)


def assert_budget(counter: QueryCounter, budget: int) -> None:
    """Fail, listing the statements, when more than ``budget`` were sent."""
    assert counter.count <= budget, (
        f"{counter.count} SQL statements, budget {budget}:\n{counter.report()}"
    )
