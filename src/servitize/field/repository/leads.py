"""Queries of routed leads beyond the inbox: retries, batches, hand-overs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from servitize.field import rules
from servitize.field.models import LeadRoute, Route
from servitize.installed_base.models import Account
from servitize.intelligence.models import Lead, LeadStatus
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.trust.models import User


def route_of_client_key(session: Session, client_key: str) -> LeadRoute | None:
    """The route of a report sent before with this client key (a retry), if any."""
    return session.scalar(select(LeadRoute).where(LeadRoute.client_key == client_key))


def open_routes_of_closed_leads(
    session: Session, lead_ids: list[int] | None = None
) -> list[tuple[LeadRoute, Lead]]:
    """Open routes whose leads were dismissed, expired or converted into an opportunity
    elsewhere (of these leads, if given)."""
    query = (
        select(LeadRoute, Lead)
        .join(Lead, Lead.id == LeadRoute.lead_id)
        .where(
            LeadRoute.stage.in_(rules.OPEN_STAGES),
            Lead.status.in_([LeadStatus.dismissed, LeadStatus.expired, LeadStatus.converted]),
        )
    )
    if lead_ids is not None:
        query = query.where(LeadRoute.lead_id.in_(lead_ids))
    return [(row, lead) for row, lead in session.execute(query)]


def open_unescalated_routes(session: Session) -> list[tuple[LeadRoute, str | None]]:
    """Open routes not escalated yet, with their account's territory."""
    query = (
        select(LeadRoute, Account.territory)
        .join(Account, Account.id == LeadRoute.account_id)
        .where(LeadRoute.stage.in_(rules.OPEN_STAGES), LeadRoute.escalated_at.is_(None))
    )
    return [(row, territory) for row, territory in session.execute(query)]


def owner_routes_to_rehome(
    session: Session, account_id: int | None = None
) -> list[tuple[LeadRoute, int | None]]:
    """Open routes to an account's owner that name somebody else than who owns it now, with
    the owner of today."""
    query = (
        select(LeadRoute, Account.owner_id)
        .join(Account, Account.id == LeadRoute.account_id)
        .where(
            LeadRoute.route == Route.account_owner.value,
            LeadRoute.stage.in_(rules.OPEN_STAGES),
            Account.owner_id.is_not(None),
            or_(LeadRoute.assigned_to_id.is_(None), LeadRoute.assigned_to_id != Account.owner_id),
        )
    )
    if account_id is not None:
        query = query.where(LeadRoute.account_id == account_id)
    return [(row, owner_id) for row, owner_id in session.execute(query)]


# The leads list's sortable columns (kit.sorting); the newest report first unless asked.
INBOX_SORTS = Sorts(("reported", "account", "value", "stage"), default="-reported")


def _inbox_columns() -> dict[str, Any]:
    value = select(Lead.estimated_value_cents).where(Lead.id == LeadRoute.lead_id)
    return {
        "reported": LeadRoute.reported_at,
        "account": Account.name,  # the inbox query joins the account
        "value": value.scalar_subquery(),
        "stage": LeadRoute.stage,
    }


def inbox_ids(
    session: Session,
    query: Select[int, int],
    limit: int,
    offset: int,
    sort: Sort | None = None,
) -> tuple[list[int], int | None]:
    """One page of an inbox query's route ids (newest report first, or ``sort``) and the total
    (None when the page is empty: the count then needs ``inbox_count``)."""
    if sort is None:
        ordered = query.order_by(LeadRoute.reported_at.desc(), LeadRoute.id.desc())
    else:
        ordered = query.order_by(*order_by(sort, _inbox_columns(), LeadRoute.id.desc()))
    found = session.execute(ordered.limit(limit).offset(offset)).all()
    return [r[0] for r in found], (found[0][1] if found else None)


def inbox_count(session: Session, query: Select[int, int]) -> int:
    """How many routes an inbox query finds."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def inbox_of_account(query: Select[int, int], account_id: int) -> Select[int, int]:
    """An inbox query narrowed to one account."""
    return query.where(LeadRoute.account_id == account_id)


def user(session: Session, user_id: int) -> User | None:
    """One user by id."""
    return session.get(User, user_id)
