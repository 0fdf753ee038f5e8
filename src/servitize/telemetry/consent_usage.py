"""The record of use: which computation read an account's consented data, for which purpose,
in which month and how often. Each computation notes its accounts once (one statement), right
where the consent gate let it read; the portal and the 360 show it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
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


def record_use(
    session: Session,
    purpose: str,
    computation: str,
    account_ids: Iterable[int],
    now: datetime | None = None,
) -> None:
    """Note that ``computation`` read the consented data of these accounts for ``purpose`` now."""
    if computation not in COMPUTATIONS or purpose not in PURPOSES:
        raise InvalidInput(f"unknown computation {computation!r} or purpose {purpose!r}")
    moment = as_utc(now) or utcnow()
    consent_repository.note_uses(
        session, account_ids, purpose, computation, month_of(moment), moment
    )


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
