"""Visits: create them, and the technician's day with the leads attached to each visit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.settings import FieldSettings
from servitize.field import repository as repo
from servitize.field.models import SignUpSheet, VisitFeedback
from servitize.field.repository import leads as lead_rows
from servitize.field.repository import sheets as sheet_rows
from servitize.field.repository import visits as visit_rows
from servitize.field.schemas import InboxItem, VisitCreate
from servitize.field.service import DEFAULTS, item, sla_of
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import get_account, require
from servitize.installed_base.models import Account, Asset, Site, Visit
from servitize.trust.audit import actor_of, record
from servitize.trust.editing import lock_for_edit
from servitize.trust.models import Role, User


def create_visit(session: Session, user: User, body: VisitCreate) -> Visit:
    """A scheduled job: technicians plan their own, service managers anyone's."""
    technician_id = body.technician_id or user.id
    require(user, "visit.plan", own=technician_id == user.id)
    tech = lead_rows.user(session, technician_id)
    if tech is None or tech.role != Role.technician.value:
        raise InvalidInput(f"user {technician_id} is not a technician")
    account = get_account(session, user, body.account_id)
    if body.site_id is not None:
        site = installed_base.site_by_id(session, body.site_id)
        if site is None or site.account_id != account.id:
            raise InvalidInput(f"site {body.site_id} is not a site of this account")
    # The same job for the same technician at the account on the same day (a double submit)
    # answers 409 naming the visit; the account's row is held for the check without waiting.
    lock_for_edit(session, installed_base.account_row(account.id), f"account {account.id}")
    twin = visit_rows.same_job(
        session, account.id, technician_id, body.day, body.job_type, body.site_id
    )
    if twin is not None:
        raise Conflict(
            f"visit {twin} plans this {body.job_type} at the account on {body.day:%Y-%m-%d} "
            "for that technician already; nothing was added"
        )
    visit = Visit(
        external_id=f"V-{body.day:%Y%m%d}-{secrets.token_hex(4)}",
        technician_id=technician_id,
        account_id=account.id,
        site_id=body.site_id,
        day=body.day,
        job_type=body.job_type,
        start_time=body.start_time,
        duration_minutes=body.duration_minutes,
    )
    session.add(visit)
    session.flush()
    record(
        session,
        actor_of(user),
        "create",
        "visit",
        visit.id,
        after=body.model_dump() | {"technician_id": technician_id},
    )
    return visit


def get_visit(session: Session, user: User, visit_id: int) -> Visit:
    """A visit of a visible account (404 otherwise)."""
    visit = repo.visible_visit(session, user, visit_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    return visit


@dataclass
class DayVisit:
    """One visit of the day with what the technician needs on site."""

    visit: Visit
    account: Account
    site: Site | None
    assets: int
    leads: list[InboxItem] = field(default_factory=list)
    sheets: list[SignUpSheet] = field(default_factory=list)


def my_day(
    session: Session, user: User, day: date, ahead_days: int = 7, s: FieldSettings | None = None
) -> tuple[list[DayVisit], list[DayVisit], list[InboxItem]]:
    """Today's visits and the coming ones, each with its leads; plus leads without a visit."""
    s = s or DEFAULTS
    rows = visit_rows.visits_of_technician(session, user.id, day, day + timedelta(days=ahead_days))
    visits = [DayVisit(v, a, si, 0) for v, a, si in rows]
    counts = installed_base.asset_counts(session, {d.account.id for d in visits})
    routes = visit_rows.open_routes_assigned_to(session, user.id)
    sla = sla_of(s)
    items = [item(r, lead, name, {}, day, sla) for r, lead, name in routes]
    sheets = sheet_rows.sheets_of_visits(session, [d.visit.id for d in visits])
    first_by_account: dict[int, DayVisit] = {}
    for d in visits:
        d.assets = counts.get(d.account.id, 0)
        d.sheets = [sh for sh in sheets if sh.visit_id == d.visit.id]
        first_by_account.setdefault(d.account.id, d)
    loose: list[InboxItem] = []
    for it in items:  # a lead sits on its visit, else on the account's first visit shown
        home = next((d for d in visits if d.visit.id == it.visit_id), None)
        home = home or first_by_account.get(it.account_id)
        (home.leads if home else loose).append(it)
    today = [d for d in visits if d.visit.day == day]
    return today, [d for d in visits if d.visit.day != day], loose


def visible_accounts(session: Session, user: User, limit: int = 200) -> list[Account]:
    """Accounts the user may pick in a form, by name."""
    return installed_base.account_choices(session, user, limit)


def assets_of(session: Session, user: User, account_id: int, limit: int = 200) -> list[Asset]:
    """The machines of a visible account, for the report form's picker."""
    get_account(session, user, account_id)
    return installed_base.assets_of_account(session, account_id, limit)


@dataclass(frozen=True)
class VisitFacts:
    """What a visit's page shows beside the visit: its site, technician and feedback."""

    site: Site | None
    technician: User | None
    feedback: VisitFeedback | None


def visit_facts(session: Session, visit: Visit) -> VisitFacts:
    """The site, technician and customer feedback of a visit."""
    return VisitFacts(
        installed_base.site_by_id(session, visit.site_id) if visit.site_id else None,
        lead_rows.user(session, visit.technician_id),
        visit_rows.feedback_of(session, visit.id),
    )


def technicians(session: Session) -> list[User]:
    """Every technician, by name (the visit form's picker)."""
    return visit_rows.technicians(session)


def technician_regions(session: Session) -> list[str]:
    """The regions technicians work in (the leaderboard's picker)."""
    return visit_rows.technician_regions(session)
