"""Salespeople's digital-twin selling proficiency, 1 (basic) to 5 (expert), as recorded.

The twin grid compares what each cell needs with the account owner's recorded level (seed
002: what a salesperson must understand grows with the twin level sold). Sales managers and
admins record levels, after training or an assessment; every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base.access import SALESPEOPLE, require
from servitize.intelligence import repository
from servitize.intelligence.models import TwinProficiency
from servitize.trust import repository as trust
from servitize.trust.audit import actor_of, record
from servitize.trust.models import User

LEVELS = range(1, 6)


@dataclass(frozen=True)
class Seller:
    """A salesperson and their recorded level (None: not recorded yet)."""

    user_id: int
    username: str
    full_name: str
    role: str
    level: int | None


def sellers(session: Session) -> list[Seller]:
    """Every active account owner and sales manager with their recorded level, by name."""
    rows = repository.salespeople_with_levels(session, SALESPEOPLE)
    return [Seller(i, u, f or "", r, lvl) for i, u, f, r, lvl in rows]


def record_level(session: Session, actor: User, user_id: int, level: int) -> Seller:
    """Record ``user_id``'s proficiency; only sales managers and admins may."""
    require(actor, "proficiency.record")
    if level not in LEVELS:
        raise InvalidInput(f"proficiency is 1 (basic) to 5 (expert), not {level}")
    seller = trust.user_by_id(session, user_id)
    if seller is None or not seller.active:
        raise NotFound(f"user {user_id} not found")
    if seller.role not in SALESPEOPLE:
        raise InvalidInput(
            f"{seller.username} is a {seller.role.replace('_', ' ')}; proficiency "
            "is recorded for account owners and sales managers"
        )
    row = repository.proficiency_of(session, user_id)
    before = row.level if row else None
    if row is None:
        row = TwinProficiency(user_id=user_id, level=level)
        session.add(row)
    row.level = level
    session.flush()
    if before != level:
        record(
            session,
            actor_of(actor),
            "update",
            "twin_proficiency",
            row.id,
            before={"user_id": user_id, "level": before},
            after={"user_id": user_id, "level": level},
        )
    return Seller(seller.id, seller.username, seller.full_name or "", seller.role, level)


def record_level_of(session: Session, actor: User, username: str, level: int) -> Seller:
    """Record the proficiency of the user with this username (the CLI names people so)."""
    seller = trust.user_named(session, username)
    if seller is None:
        raise NotFound(f"no user {username!r}")
    return record_level(session, actor, seller.id, level)
