"""The reads of user administration and of the audit trail's filtered pages: the lists an admin
pages through. Services keep the rules (trust.admin, trust.audit_trail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from servitize.core.db import Base
from servitize.kit.pagination import PageParams, paginate
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.trust.models import AuditEntry, Role, User


@dataclass(frozen=True)
class UserQuery:
    """Which users a list shows: one role, active or not, a name or email containing ``text``."""

    role: Role | None = None
    active: bool | None = None
    text: str | None = None


# The record ids an audit name lookup asks for in one statement (well under the bound
# parameters SQLite and PostgreSQL take).
NAMES_PER_QUERY = 1000

# The users list's sortable columns (kit.sorting): name -> column.
USER_SORTS = Sorts(("username", "name", "role", "territory", "email", "state"), "username")
_USER_COLUMNS = {
    "username": User.username,
    "name": User.full_name,
    "role": User.role,
    "territory": User.territory,
    "email": User.email,
    "state": User.active,
}


def users_page(
    session: Session, query: UserQuery, params: PageParams, sort: Sort | None = None
) -> tuple[list[User], int]:
    """One page of users by name (or ``sort``), and how many match."""
    order = [User.username, User.id] if sort is None else order_by(sort, _USER_COLUMNS, User.id)
    statement = select(User).order_by(*order)
    if query.role is not None:
        statement = statement.where(User.role == query.role.value)
    if query.active is not None:
        statement = statement.where(User.active.is_(query.active))
    if query.text:
        pattern = f"%{query.text.lower()}%"
        statement = statement.where(
            func.lower(User.username).like(pattern)
            | func.lower(User.full_name).like(pattern)
            | func.lower(func.coalesce(User.email, "")).like(pattern)
        )
    return paginate(session, statement, params)


def active_admins(session: Session) -> int:
    """How many active users hold the admin role."""
    count = session.scalar(
        select(func.count()).where(User.role == Role.admin.value, User.active.is_(True))
    )
    return int(count or 0)


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries: by whom, of which kind of record (and which one), which action, and
    between which moments (``since`` included, ``until`` excluded)."""

    actor: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_statement(query: AuditQuery) -> Select[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if query.actor:
        statement = statement.where(AuditEntry.actor == query.actor)
    if query.entity:
        statement = statement.where(AuditEntry.entity == query.entity)
    if query.entity_id:
        statement = statement.where(AuditEntry.entity_id == query.entity_id)
    if query.action:
        statement = statement.where(AuditEntry.action == query.action)
    if query.since is not None:
        statement = statement.where(AuditEntry.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEntry.at < query.until)
    return statement


def audit_page(
    session: Session, query: AuditQuery, params: PageParams
) -> tuple[list[AuditEntry], int]:
    """One page of matching audit entries, newest first, and how many match."""
    return paginate(session, _audit_statement(query), params)


def audit_rows(session: Session, query: AuditQuery, limit: int) -> list[AuditEntry]:
    """Matching audit entries, newest first, at most ``limit`` (the CSV export)."""
    return list(session.scalars(_audit_statement(query).limit(limit)))


def record_rows(
    session: Session, ids: dict[str, set[int]], columns: dict[str, tuple[str, ...]]
) -> dict[tuple[str, str], dict[str, object]]:
    """The named ``columns`` of the records an audit page names: (entity, id as text) → values.

    An entity is the name of its table; a table not loaded in this process, without an integer
    ``id`` or without any of the columns is left out (its records read by kind and id). The ids
    are asked ``NAMES_PER_QUERY`` at a time (the CSV export names up to 100,000 entries)."""
    tables = Base.metadata.tables
    out: dict[tuple[str, str], dict[str, object]] = {}
    for entity, wanted in ids.items():
        table = tables.get(entity)
        if table is None or "id" not in table.c or not wanted or not _integer(table.c.id):
            continue
        shown = [table.c[c] for c in columns.get(entity, ()) if c in table.c]
        if not shown:
            continue
        ordered = sorted(wanted)
        for at in range(0, len(ordered), NAMES_PER_QUERY):
            chunk = ordered[at : at + NAMES_PER_QUERY]
            statement = select(table.c.id, *shown).where(table.c.id.in_(chunk))
            for row in session.execute(statement).mappings():
                out[(entity, str(row["id"]))] = {c.name: row[c.name] for c in shown}
    return out


def _integer(column: ColumnElement[object]) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False
