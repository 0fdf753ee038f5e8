"""Queries of the field; every list a user sees goes through ``installed_base.access``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, true
from sqlalchemy.orm import Bundle, Session, aliased

from servitize.field import rules
from servitize.field.models import LeadRoute, SignUpSheet
from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Visit
from servitize.intelligence.models import Lead, LeadStatus
from servitize.trust.models import Role, User


def open_leads_of(session: Session, technician_ids: set[int]) -> dict[int, int]:
    """How many open technician leads each technician holds."""
    if not technician_ids:
        return {}
    rows = session.execute(
        select(LeadRoute.assigned_to_id, func.count())
        .where(
            LeadRoute.assigned_to_id.in_(technician_ids),
            LeadRoute.route == "technician",
            LeadRoute.stage.in_(rules.OPEN_STAGES),
        )
        .group_by(LeadRoute.assigned_to_id)
    )
    return {uid: n for uid, n in rows if uid is not None}


def next_visit(session: Session, account_id: int, today: date, horizon_days: int) -> Visit | None:
    """The account's first visit from today within the horizon."""
    return session.scalar(
        select(Visit)
        .where(
            Visit.account_id == account_id,
            Visit.day >= today,
            Visit.day <= today + timedelta(days=horizon_days),
        )
        .order_by(Visit.day, Visit.id)
        .limit(1)
    )


def unrouted_leads(session: Session, limit: int | None = None) -> list[Lead]:
    """Open leads nobody routed yet, best score first."""
    q = (
        select(Lead)
        .outerjoin(LeadRoute, LeadRoute.lead_id == Lead.id)
        .where(Lead.status == LeadStatus.open, LeadRoute.id.is_(None))
        .order_by(Lead.score.desc(), Lead.id)
    )
    return list(session.scalars(q.limit(limit) if limit else q))


def service_manager_for(session: Session, territory: str | None) -> User | None:
    """The service manager of a territory, else one without a territory."""
    managers = list(
        session.scalars(
            select(User)
            .where(User.role == Role.service_manager.value, User.active.is_(True))
            .order_by(User.id)
        )
    )
    return next((m for m in managers if territory and m.territory == territory), None) or next(
        (m for m in managers if not m.territory), None
    )


def inbox_query(
    user: User, stage: str | None = None, mine: bool = False, reported: bool = False
) -> Select[int, int]:
    """Ids of the routes the user may see (technicians: assigned to them), with the total.

    Narrow on purpose: an owner has hundreds of routes; only the page's rows are loaded whole
    (``routes_with_leads``), so sorting and counting never carry leads' stories and evidence.
    """
    q = (
        select(LeadRoute.id, func.count().over())
        .join(Account, Account.id == LeadRoute.account_id)
        .where(account_scope(user))
    )
    if reported:  # the user's own reports, wherever they were routed
        q = q.where(LeadRoute.reported_by_id == user.id)
    elif mine or user.role == Role.technician.value:
        q = q.where(LeadRoute.assigned_to_id == user.id)
    if stage == "open":
        q = q.where(LeadRoute.stage.in_(rules.OPEN_STAGES))
    elif stage == "escalated":
        q = q.where(LeadRoute.escalated_at.is_not(None), LeadRoute.stage.in_(rules.OPEN_STAGES))
    elif stage:
        q = q.where(LeadRoute.stage == stage)
    return q


# What an inbox row shows of a route, of its lead and of the two people named on it: plain
# column bundles, not records (a page of 25 rows is read many times a minute, never written).
_ASSIGNED, _ESCALATED = aliased(User), aliased(User)
_ROUTE_COLUMNS: Bundle[Any] = Bundle(
    "route", *(c for c in LeadRoute.__table__.c if c.key != "photo")
)
_LEAD_COLUMNS: Bundle[Any] = Bundle(
    "lead",
    Lead.id,
    Lead.offering_key,
    Lead.source,
    Lead.story,
    Lead.evidence,
    Lead.score,
    Lead.estimated_value_cents,
    Lead.currency,
    Lead.status,
)
_INBOX_ROWS = (
    select(
        _ROUTE_COLUMNS,
        _LEAD_COLUMNS,
        Account.name,
        LeadRoute.photo.is_not(None),
        Bundle("assigned", _ASSIGNED.id, _ASSIGNED.username, _ASSIGNED.full_name),
        Bundle("escalated", _ESCALATED.id, _ESCALATED.username, _ESCALATED.full_name),
    )
    .join(Lead, Lead.id == LeadRoute.lead_id)
    .join(Account, Account.id == LeadRoute.account_id)
    .outerjoin(_ASSIGNED, _ASSIGNED.id == LeadRoute.assigned_to_id)
    .outerjoin(_ESCALATED, _ESCALATED.id == LeadRoute.escalated_to_id)
    .where(LeadRoute.id.in_(bindparam("ids", expanding=True)))
)


def routes_with_leads(
    session: Session, ids: list[int]
) -> tuple[list[tuple[Any, Any, str, bool]], dict[int, Any]]:
    """Routes with lead, account name and whether a photo exists, in the order of ``ids``, and
    the people they name by id (assignees, escalation targets).

    The photos themselves (data URLs) are not loaded: a list shows only that one exists.
    """
    if not ids:
        return [], {}
    by_id: dict[int, tuple[Any, Any, str, bool]] = {}
    people: dict[int, Any] = {}
    for route, lead, account, has_photo, assigned, escalated in session.execute(
        _INBOX_ROWS, {"ids": ids}
    ):
        by_id[route.id] = (route, lead, account, bool(has_photo))
        people.update({p.id: p for p in (assigned, escalated) if p.id is not None})
    return [by_id[i] for i in ids if i in by_id], people


# A technician sees the accounts of their territory (to know the machines), but reads only
# their own routes, sheets and visits and those of their visits, not every colleague's work.
def _own_visits(user: User) -> Select[int]:
    return select(Visit.id).where(Visit.technician_id == user.id)


def route_reader(user: User) -> ColumnElement[bool]:
    """Which routes a user reads beyond the account scope: a technician the ones assigned to
    or reported by them and those of their visits; everybody else every route in scope."""
    if user.role != Role.technician.value:
        return true()
    return or_(
        LeadRoute.assigned_to_id == user.id,
        LeadRoute.reported_by_id == user.id,
        LeadRoute.visit_id.in_(_own_visits(user)),
    )


def sheet_reader(user: User) -> ColumnElement[bool]:
    """Which sign-up sheets a user reads beyond the account scope (technicians: theirs)."""
    if user.role != Role.technician.value:
        return true()
    return or_(SignUpSheet.technician_id == user.id, SignUpSheet.visit_id.in_(_own_visits(user)))


def visit_reader(user: User) -> ColumnElement[bool]:
    """Which visits a user reads beyond the account scope (technicians: their own)."""
    return Visit.technician_id == user.id if user.role == Role.technician.value else true()


def visible_route(session: Session, user: User, lead_id: int) -> tuple[LeadRoute, Lead] | None:
    """A lead's route and lead if the user may see the account (technicians: their routes)."""
    row = session.execute(
        select(LeadRoute, Lead)
        .join(Lead, Lead.id == LeadRoute.lead_id)
        .join(Account, Account.id == LeadRoute.account_id)
        .where(LeadRoute.lead_id == lead_id, account_scope(user), route_reader(user))
    ).first()
    return (row[0], row[1]) if row else None


def visible_sheet(session: Session, user: User, sheet_id: int) -> SignUpSheet | None:
    """A sign-up sheet if the user may see its account (technicians: their sheets)."""
    return session.scalar(
        select(SignUpSheet)
        .join(Account, Account.id == SignUpSheet.account_id)
        .where(SignUpSheet.id == sheet_id, account_scope(user), sheet_reader(user))
    )


def visible_visit(session: Session, user: User, visit_id: int) -> Visit | None:
    """A visit if the user may see its account (technicians: their own visits)."""
    return session.scalar(
        select(Visit)
        .join(Account, Account.id == Visit.account_id)
        .where(Visit.id == visit_id, account_scope(user), visit_reader(user))
    )


def sheets_of_account(
    session: Session, user: User, account_id: int, limit: int = 20
) -> list[SignUpSheet]:
    """An account's newest sheets that the user reads (for the account 360)."""
    return list(
        session.scalars(
            select(SignUpSheet)
            .where(SignUpSheet.account_id == account_id, sheet_reader(user))
            .order_by(SignUpSheet.id.desc())
            .limit(limit)
        )
    )


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    """Users by id (for names on lists)."""
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
