"""Write and read the audit trail; every service that changes a record calls ``record``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from servitize.trust import repository
from servitize.trust.models import AuditEntry, User
from servitize.trust.operator import OPERATOR_NAME, stored_id


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user, or a named system job (import, demo, listener)."""

    name: str
    user_id: int | None = None


SYSTEM = Actor("system")
OPERATOR = Actor(OPERATOR_NAME)  # a command run without --as (trust.operator): no stored user


def actor_of(user: User) -> Actor:
    """The audit actor of a user; the CLI operator is named, without a user id."""
    return Actor(user.username, stored_id(user))


def jsonable(value: Any) -> Any:
    """Make a column value storable in a JSON audit column."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if jsonable(before.get(k)) != jsonable(after.get(k))]
    return ({k: jsonable(before.get(k)) for k in keys}, {k: jsonable(after.get(k)) for k in keys})


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Add one audit entry to the current transaction (it commits or rolls back with it)."""
    entry = AuditEntry(
        actor=actor.name,
        actor_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before={k: jsonable(v) for k, v in before.items()} if before is not None else None,
        after={k: jsonable(v) for k, v in after.items()} if after is not None else None,
        note=note,
    )
    session.add(entry)
    return entry


def entries(
    session: Session, entity: str | None = None, entity_id: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    """Newest audit entries first, optionally for one record."""
    return repository.audit_entries(session, entity, entity_id, limit)
