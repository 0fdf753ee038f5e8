"""Queries of visits as the field plans and works them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.field import rules
from servitize.field.models import LeadRoute, VisitFeedback
from servitize.installed_base.models import Account, Site, Visit
from servitize.intelligence.models import Lead
from servitize.trust.models import Role, User


def same_job(
    session: Session,
    account_id: int,
    technician_id: int,
    day: date,
    job_type: str,
    site_id: int | None,
) -> int | None:
    """The id of a visit planning this job for this technician at the account on that day."""
    query = select(Visit.id).where(
        Visit.account_id == account_id,
        Visit.technician_id == technician_id,
        Visit.day == day,
        Visit.job_type == job_type,
        Visit.site_id.is_(None) if site_id is None else Visit.site_id == site_id,
    )
    return session.scalar(query.limit(1))


def visits_of_technician(
    session: Session, technician_id: int, first: date, last: date
) -> list[tuple[Visit, Account, Site | None]]:
    """A technician's visits between two days with their account and site, by day."""
    query = (
        select(Visit, Account, Site)
        .join(Account, Account.id == Visit.account_id)
        .outerjoin(Site, Site.id == Visit.site_id)
        .where(Visit.technician_id == technician_id, Visit.day >= first, Visit.day <= last)
        .order_by(Visit.day, Visit.id)
    )
    return [(v, a, si) for v, a, si in session.execute(query)]


def open_routes_assigned_to(session: Session, user_id: int) -> list[tuple[LeadRoute, Lead, str]]:
    """The open routes assigned to a user with their leads and account names, best lead first."""
    query = (
        select(LeadRoute, Lead, Account.name)
        .join(Lead, Lead.id == LeadRoute.lead_id)
        .join(Account, Account.id == LeadRoute.account_id)
        .where(LeadRoute.assigned_to_id == user_id, LeadRoute.stage.in_(rules.OPEN_STAGES))
        .order_by(Lead.score.desc(), Lead.id)
    )
    return [(r, lead, name) for r, lead, name in session.execute(query)]


def technicians(session: Session) -> list[User]:
    """Every technician, by name."""
    query = select(User).where(User.role == Role.technician.value).order_by(User.full_name)
    return list(session.scalars(query))


def technician_regions(session: Session) -> list[str]:
    """The territories technicians work in, sorted."""
    query = select(User.territory).where(User.role == Role.technician.value)
    return sorted({r for r in session.scalars(query) if r})


def feedback_of(session: Session, visit_id: int) -> VisitFeedback | None:
    """The customer's feedback on a visit, if given."""
    return session.scalar(select(VisitFeedback).where(VisitFeedback.visit_id == visit_id))
