"""The visits and sign-up sheets lists: filtered, sorted in SQL (``kit.sorting``) and paged.

Each row comes with the names the list shows (account, technician, site), read in the same
statement. The sort names are the ``?sort=`` names of the lists' columns (``field.lists``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.field.repository import sheet_reader, visit_reader
from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Site, Visit
from servitize.kit.pagination import PageParams
from servitize.kit.sorting import Sort, order_by
from servitize.trust.models import User


@dataclass(frozen=True)
class VisitRow:
    """A visit as the list shows it."""

    id: int
    external_id: str
    day: date
    start_time: time | None
    duration_minutes: int | None
    job_type: str
    account_id: int
    account: str
    technician: str
    site: str | None


@dataclass(frozen=True)
class SheetRow:
    """A sign-up sheet as the list shows it (its total is the sheet's own, ``field.sheets``)."""

    sheet: SignUpSheet
    account: str
    technician: str
    visit_day: date
    lines: int
    ticked: int


def _page(session: Session, q: Any, params: PageParams) -> tuple[list[Any], int]:
    """A page of a multi-column statement and the count of every match (``q: Select``)."""
    total = int(session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)
    return list(session.execute(q.limit(params.size).offset(params.offset))), total


def _visits(user: User) -> Any:
    """The visits the user may see with the names the list shows, and the sortable columns."""
    tech = aliased(User)
    technician = func.coalesce(tech.full_name, tech.username)
    columns = {
        "day": Visit.day,
        "start": Visit.start_time,
        "duration": Visit.duration_minutes,
        "job": Visit.job_type,
        "account": Account.name,
        "technician": technician,
        "site": Site.name,
    }
    q = (
        select(
            Visit.id,
            Visit.external_id,
            Visit.day,
            Visit.start_time,
            Visit.duration_minutes,
            Visit.job_type,
            Account.id,
            Account.name,
            technician,
            Site.name,
        )
        .join(Account, Account.id == Visit.account_id)
        .join(tech, tech.id == Visit.technician_id)
        .outerjoin(Site, Site.id == Visit.site_id)
        .where(account_scope(user), visit_reader(user))
    )
    return q, columns


def visits_page(
    session: Session,
    user: User,
    params: PageParams,
    sort: Sort,
    technician_id: int | None = None,
    account_id: int | None = None,
    job_type: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> tuple[list[VisitRow], int]:
    """One page of the visits the user may see (technicians: their own), and how many match."""
    q, columns = _visits(user)
    q = q.order_by(*order_by(sort, columns, Visit.id))
    if technician_id is not None:
        q = q.where(Visit.technician_id == technician_id)
    if account_id is not None:
        q = q.where(Visit.account_id == account_id)
    if job_type:
        q = q.where(Visit.job_type == job_type)
    if first is not None:
        q = q.where(Visit.day >= first)
    if last is not None:
        q = q.where(Visit.day <= last)
    rows, total = _page(session, q, params)
    return [VisitRow(*r) for r in rows], total


def visits_of_account(session: Session, account_id: int, user: User, limit: int) -> list[VisitRow]:
    """An account's latest visits the user may see, the latest day first (the account 360):
    one statement."""
    q, columns = _visits(user)
    q = q.where(Visit.account_id == account_id)
    q = q.order_by(*order_by(Sort("day", descending=True), columns, Visit.id.desc()))
    return [VisitRow(*r) for r in session.execute(q.limit(limit))]


def sheets_page(
    session: Session,
    user: User,
    params: PageParams,
    sort: Sort,
    status: str | None = None,
    account_id: int | None = None,
    technician_id: int | None = None,
) -> tuple[list[SheetRow], int]:
    """One page of the sign-up sheets the user reads (technicians: theirs), and how many match."""
    tech = aliased(User)
    technician = func.coalesce(tech.full_name, tech.username)
    lines = (
        select(func.count())
        .where(SignUpLine.sheet_id == SignUpSheet.id)
        .correlate(SignUpSheet)
        .scalar_subquery()
    )
    ticked = (
        select(func.count())
        .where(SignUpLine.sheet_id == SignUpSheet.id, SignUpLine.ticked.is_(True))
        .correlate(SignUpSheet)
        .scalar_subquery()
    )
    columns = {
        "sheet": SignUpSheet.id,
        "created": SignUpSheet.created_at,
        "visit": Visit.day,
        "account": Account.name,
        "technician": technician,
        "status": SignUpSheet.status,
        "ticked": ticked,
        "signed": SignUpSheet.signed_at,
    }
    q = (
        select(SignUpSheet, Account.name, technician, Visit.day, lines, ticked)
        .join(Account, Account.id == SignUpSheet.account_id)
        .join(Visit, Visit.id == SignUpSheet.visit_id)
        .join(tech, tech.id == SignUpSheet.technician_id)
        .where(account_scope(user), sheet_reader(user))
        .order_by(*order_by(sort, columns, SignUpSheet.id))
    )
    if status:
        q = q.where(SignUpSheet.status == status)
    if account_id is not None:
        q = q.where(SignUpSheet.account_id == account_id)
    if technician_id is not None:
        q = q.where(SignUpSheet.technician_id == technician_id)
    rows, total = _page(session, q, params)
    return [SheetRow(*r) for r in rows], total
