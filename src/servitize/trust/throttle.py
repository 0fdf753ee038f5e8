"""Failed logins are throttled per username and per address: a password cannot be guessed at
the speed of the server, and eight anonymous clients cannot keep the hasher busy.

After ``USER_LIMIT`` failures for one username (known or not, so that the answer tells nothing)
or ``ADDRESS_LIMIT`` from one address within ``WINDOW``, further attempts are refused for
``BLOCK`` with 429, a ``Retry-After`` and a message, before any password is hashed. A successful
login clears its username's count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from servitize.core.errors import ServitizeError
from servitize.trust import repository

USER_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
BLOCK = timedelta(minutes=15)


class TooManyRequests(ServitizeError):
    """Too many attempts, or too many at once: try again after ``retry_after`` seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(retry_after, 1)


def keys(username: str, address: str) -> dict[str, int]:
    """The counters one attempt touches and their limits."""
    return {
        f"user:{username.strip().lower()[:80]}": USER_LIMIT,
        f"address:{address[:100]}": ADDRESS_LIMIT,
    }


def check(session: Session, username: str, address: str, now: datetime) -> None:
    """Raise TooManyRequests while the username or the address is blocked."""
    rows = repository.blocked_counters(session, keys(username, address))
    blocked = [
        (row.key.split(":", 1)[0], row.blocked_until)
        for row in rows
        if row.blocked_until is not None
    ]
    waits = {kind: until - now for kind, until in blocked if until > now}
    if not waits:
        return
    longest = max(waits.values())
    minutes = math.ceil(longest.total_seconds() / 60)
    who = "this username" if "user" in waits else "your address"
    raise TooManyRequests(
        f"Too many failed logins for {who}. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
        "or ask an administrator to set a new password.",
        math.ceil(longest.total_seconds()),
    )


def failed(session: Session, username: str, address: str, now: datetime) -> None:
    """Count a failed attempt for the username and the address; block a counter at its limit."""
    repository.forget_finished_windows(session, now - WINDOW, now)
    for key, limit in keys(username, address).items():
        row = repository.locked_counter(session, key)
        if row is None:
            if repository.first_count(session, key, now):
                continue
            # another attempt counted it first: count on its row
            row = repository.locked_counter(session, key)
            if row is None:
                continue
        if now - row.window_start > WINDOW:
            row.failures, row.window_start, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.blocked_until = now + BLOCK
    session.flush()


def succeeded(session: Session, username: str) -> None:
    """A successful login clears its username's count (the address keeps its own)."""
    user_key = next(iter(keys(username, "")))
    repository.forget_counter(session, user_key)
