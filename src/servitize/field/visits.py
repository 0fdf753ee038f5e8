"""Visits: create them, and the technician's day with the leads attached to each visit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.settings import FieldSettings
from servitize.field import repository as repo
from servitize.field import rules
from servitize.field.models import LeadRoute, SignUpSheet
from servitize.field.schemas import InboxItem, VisitCreate
from servitize.field.service import item, sla_of
from servitize.installed_base.access import account_scope, get_account, require
from servitize.installed_base.models import Account, Asset, Site, Visit
from servitize.intelligence.models import Lead
from servitize.trust.audit import actor_of, record
from servitize.trust.editing import lock_for_edit
from servitize.trust.models import Role, User


def create_visit(session: Session, user: User, body: VisitCreate) -> Visit:
    """A scheduled job: technicians plan their own, service managers anyone's."""
    technician_id = body.technician_id or user.id
    require(user, "visit.plan", own=technician_id == user.id)
    tech = session.get(User, technician_id)
    if tech is None or tech.role != Role.technician.value:
        raise InvalidInput(f"user {technician_id} is not a technician")
    account = get_account(session, user, body.account_id)
    if body.site_id is not None:
        site = session.get(Site, body.site_id)
        if site is None or site.account_id != account.id:
            raise InvalidInput(f"site {body.site_id} is not a site of this account")
    # The same job for the same technician at the account on the same day (a double submit)
    # answers 409 naming the visit; the account's row is held for the check without waiting.
    lock_for_edit(session, select(Account).where(Account.id == account.id), f"account {account.id}")
    twin = session.scalar(
        select(Visit.id)
        .where(
            Visit.account_id == account.id,
            Visit.technician_id == technician_id,
            Visit.day == body.day,
            Visit.job_type == body.job_type,
            Visit.site_id.is_(None) if body.site_id is None else Visit.site_id == body.site_id,
        )
        .limit(1)
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
    s = s or FieldSettings()
    rows = session.execute(
        select(Visit, Account, Site)
        .join(Account, Account.id == Visit.account_id)
        .outerjoin(Site, Site.id == Visit.site_id)
        .where(
            Visit.technician_id == user.id,
            Visit.day >= day,
            Visit.day <= day + timedelta(days=ahead_days),
        )
        .order_by(Visit.day, Visit.id)
    ).all()
    visits = [DayVisit(v, a, si, 0) for v, a, si in rows]
    account_ids = {d.account.id for d in visits}
    counts: dict[int, int] = {}
    if account_ids:
        counts = dict(
            session.execute(
                select(Asset.account_id, func.count())
                .where(Asset.account_id.in_(account_ids))
                .group_by(Asset.account_id)
            ).all()
        )
    routes = session.execute(
        select(LeadRoute, Lead, Account.name)
        .join(Lead, Lead.id == LeadRoute.lead_id)
        .join(Account, Account.id == LeadRoute.account_id)
        .where(LeadRoute.assigned_to_id == user.id, LeadRoute.stage.in_(rules.OPEN_STAGES))
        .order_by(Lead.score.desc(), Lead.id)
    ).all()
    sla = sla_of(s)
    items = [item(r, lead, name, {}, day, sla) for r, lead, name in routes]
    sheets = (
        list(
            session.scalars(
                select(SignUpSheet).where(SignUpSheet.visit_id.in_([d.visit.id for d in visits]))
            )
        )
        if visits
        else []
    )
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
    return list(
        session.scalars(
            select(Account).where(account_scope(user)).order_by(Account.name).limit(limit)
        )
    )


def assets_of(session: Session, user: User, account_id: int, limit: int = 200) -> list[Asset]:
    """The machines of a visible account, for the report form's picker."""
    get_account(session, user, account_id)
    return list(
        session.scalars(
            select(Asset)
            .where(Asset.account_id == account_id)
            .order_by(Asset.model, Asset.id)
            .limit(limit)
        )
    )
