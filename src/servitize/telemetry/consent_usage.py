"""The record of use: which computation read an account's consented data, for which purpose,
in which month and how often. Each computation notes its accounts once (one statement), right
where the consent gate let it read; the portal and the 360 show it.

The note is an upsert that holds its rows (on SQLite the database's write lock) until the
transaction commits, so a computation notes at its end, and a request that runs many
computations (the contracts page: one per contract) collects them with ``batched`` and notes
them all in one statement when it is done: concurrent pages do not queue behind each other."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from servitize.core.db import as_utc, utcnow
from servitize.core.errors import InvalidInput
from servitize.telemetry import consent_repository
from servitize.telemetry.consent_rules import COMPUTATIONS, PURPOSES, month_of, previous_month


@dataclass(frozen=True)
class Use:
    """One line of the record of use."""

    account_id: int
    month: str
    purpose: str
    computation: str
    label: str
    runs: int
    last_used_at: datetime


_PENDING = "servitize.consent_usage.pending"
Key = tuple[int, str, str, str]  # account, purpose, computation, month


def record_use(
    session: Session,
    purpose: str,
    computation: str,
    account_ids: Iterable[int],
    now: datetime | None = None,
) -> None:
    """Note that ``computation`` read the consented data of these accounts for ``purpose`` now
    (at once, or when the enclosing ``batched`` block ends)."""
    if computation not in COMPUTATIONS or purpose not in PURPOSES:
        raise InvalidInput(f"unknown computation {computation!r} or purpose {purpose!r}")
    moment = as_utc(now) or utcnow()
    month = month_of(moment)
    runs = {(a, purpose, computation, month): 1 for a in set(account_ids)}
    pending: dict[Key, tuple[int, datetime]] | None = session.info.get(_PENDING)
    if pending is None:
        consent_repository.note_uses(session, {k: (n, moment) for k, n in runs.items()})
        return
    for key in runs:
        count, _last = pending.get(key, (0, moment))
        pending[key] = (count + 1, moment)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Collect the uses of the computations run inside, and note them in one statement at the
    end (nested blocks join the outer one; nothing is noted when the block fails)."""
    if _PENDING in session.info:
        yield
        return
    session.info[_PENDING] = {}
    try:
        yield
        pending = session.info.pop(_PENDING)
    finally:
        session.info.pop(_PENDING, None)
    consent_repository.note_uses(session, pending)


def recent_months(now: datetime | None = None) -> tuple[str, str]:
    """(last month, this month) as YYYY-MM."""
    this = month_of(as_utc(now) or utcnow())
    return previous_month(this), this


def uses_of(session: Session, account_ids: Collection[int], months: Collection[str]) -> list[Use]:
    """What used these accounts' data in these months, newest month first."""
    return [
        Use(
            u.account_id,
            u.month,
            u.purpose,
            u.computation,
            COMPUTATIONS.get(u.computation, u.computation),
            u.runs,
            u.last_used_at,
        )
        for u in consent_repository.uses_of(session, account_ids, months)
    ]
