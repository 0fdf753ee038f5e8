"""The one thing every use case is handed: whose request, on which session, on which day, with
which settings.

Each edge builds it once: the API and the pages from the request (``trust.http.context``), a CLI
command from its ``--as`` option (``cli_context``), a batch job as the system. Services take a
``Context`` (or the parts of it they need) and never read the environment, the clock or a global
session of their own; a test builds one with the day it wants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.trust.audit import Actor, actor_of
from servitize.trust.models import User

# A use case as ``run_as`` (trust.cli) runs it: on the command's session, as its user. Edges name
# this type instead of importing SQLAlchemy's Session.
SessionWork: TypeAlias = Callable[[Session, User], Any]


@dataclass(frozen=True)
class Context:
    """A request's or command's session, user, settings and moment."""

    session: Session
    user: User
    settings: Settings
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def today(self) -> date:
        """The calendar day of ``now`` (UTC)."""
        return self.now.date()

    @property
    def actor(self) -> Actor:
        """Who the audit trail names for changes made in this context."""
        return actor_of(self.user)

    def on(self, day: date) -> Context:
        """The same context on another day (reports and tests that look at a given date)."""
        return replace(self, now=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def context_of(
    session: Session, user: User, settings: Settings | None = None, today: date | None = None
) -> Context:
    """A context for a user on a session; ``today`` pins the day (tests, reports of a past day)."""
    ctx = Context(session, user, settings if settings is not None else Settings())
    return ctx.on(today) if today is not None else ctx


@contextmanager
def cli_context(username: str | None = None, settings: Settings | None = None) -> Iterator[Context]:
    """A CLI command's context: one transaction on the configured database, committed when the
    command's body returns and rolled back when it raises; the user is ``--as`` or the operator."""
    from servitize.core.console import cli_session
    from servitize.trust.service import acting_user

    settings = settings if settings is not None else Settings()
    with cli_session(settings) as session:
        yield Context(session, acting_user(session, username), settings)
