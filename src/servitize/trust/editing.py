"""Records that people edit: one writer at a time, and no form silently reverts another's change.

Why writers never wait for a row lock in a request: a request's transaction is committed after
its handler returns, and between the two FastAPI validates the answer on a thread of the same
small pool (``web_threads``). Eight requests writing one machine filled the pool with handlers
waiting for the row lock of the first, whose commit then waited for a thread: the server froze,
``/healthz`` included, and SIGTERM waited for it forever. So an edit takes its row with
``FOR UPDATE NOWAIT`` (a second writer answers 409 at once), and every other statement of a
web request gives up after ``LOCK_TIMEOUT_MS`` (409 too) instead of holding a thread.

Why a version: a form opened before someone else saved the same record carries the version it
showed; saving it over a newer version would silently revert the other person's change, so it
answers 409 and the form comes back with the current values.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from servitize.core.errors import Conflict

T = TypeVar("T")

# A web request waits at most this long for any lock before answering 409.
LOCK_TIMEOUT_MS = 2000

# PostgreSQL: lock_not_available (NOWAIT, lock_timeout), deadlock_detected, serialization_failure.
_BUSY_STATES = {"55P03", "40P01", "40001"}
# SQLite: another connection holds the write lock past busy_timeout, or a stale read snapshot.
_BUSY_SQLITE = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"}

BUSY = "is being saved by someone else right now; wait a moment and try again"

# The database errors behind which ``busy_refusal`` may find a 409 (the app's handlers).
BUSY_ERRORS: tuple[type[Exception], ...] = (OperationalError, StaleDataError)


def web_engine_options(url: str) -> dict[str, Any]:
    """Engine options for the web server: on PostgreSQL no statement waits for a lock longer
    than ``LOCK_TIMEOUT_MS`` (batch jobs and the CLI keep waiting as long as it takes)."""
    if url.startswith("postgresql"):
        return {"connect_args": {"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"}}
    return {}


def is_busy(exc: BaseException) -> bool:
    """Whether a database error says that another transaction holds what this one needs."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _BUSY_STATES:
        return True
    if getattr(orig, "sqlite_errorname", None) in _BUSY_SQLITE:
        return True
    return "database is locked" in str(orig)


def busy_refusal(exc: BaseException) -> Conflict | None:
    """The 409 behind a lock that was not granted or a row changed under us; None otherwise."""
    if not is_busy(exc):
        return None
    if isinstance(exc, StaleDataError):
        return Conflict(
            "the record was changed by someone else at the same moment; "
            "reload to see their change, then make yours again"
        )
    return Conflict("the record " + BUSY)


def lock_for_edit(session: Session, statement: Select[T], what: str) -> T | None:
    """The record of ``statement``, its row locked for this transaction without waiting: when
    another request is saving it, Conflict (409) at once. SQLite has one writer at a time and
    ignores the row lock."""
    try:
        return session.scalar(statement.with_for_update(nowait=True))
    except OperationalError as exc:
        if is_busy(exc):
            raise Conflict(f"{what} {BUSY}") from None
        raise


def check_version(sent: int | None, current: int, what: str) -> None:
    """Refuse a change made on an older copy of the record (``sent`` is the version the form or
    client read; None: the client does not say, and the change applies to the newest)."""
    if sent is not None and sent != current:
        raise Conflict(
            f"{what} was changed by someone else after you opened it (you edited version {sent}, "
            f"it is now version {current}); nothing was saved: reload to see their change, "
            "then make yours again"
        )
