"""Queries of sign-up sheets and their lines."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute, SheetStatus, SignUpLine, SignUpSheet
from servitize.installed_base.models import Offering, Visit
from servitize.intelligence.models import Lead, LeadStatus


def visit_row(visit_id: int) -> Select[Visit]:
    """The query of one visit's row (to hold it while a sheet is proposed)."""
    return select(Visit).where(Visit.id == visit_id)


def proposed_sheet_of(session: Session, visit_id: int) -> SignUpSheet | None:
    """The visit's sheet that is still proposed (neither signed nor cancelled), if any."""
    return session.scalar(
        select(SignUpSheet)
        .where(SignUpSheet.visit_id == visit_id, SignUpSheet.status == SheetStatus.proposed.value)
        .order_by(SignUpSheet.id)
        .limit(1)
    )


def open_leads_of_account(session: Session, account_id: int) -> list[tuple[int, int | None, str]]:
    """An account's open leads as (id, offering id, offering key), best score first."""
    query = (
        select(Lead.id, Lead.offering_id, Lead.offering_key)
        .where(Lead.account_id == account_id, Lead.status == LeadStatus.open)
        .order_by(Lead.score.desc(), Lead.id)
    )
    return [(i, o, k) for i, o, k in session.execute(query)]


def lines_of(session: Session, sheet_id: int) -> list[tuple[SignUpLine, Offering]]:
    """A sheet's lines with their catalogue items."""
    query = (
        select(SignUpLine, Offering)
        .join(Offering, Offering.id == SignUpLine.offering_id)
        .where(SignUpLine.sheet_id == sheet_id)
        .order_by(SignUpLine.id)
    )
    return [(line, o) for line, o in session.execute(query)]


def lines_of_sheets(
    session: Session, sheet_ids: list[int]
) -> dict[int, list[tuple[SignUpLine, Offering]]]:
    """The lines of several sheets with their catalogue items, per sheet."""
    out: dict[int, list[tuple[SignUpLine, Offering]]] = {i: [] for i in sheet_ids}
    if not sheet_ids:
        return out
    query = (
        select(SignUpLine, Offering)
        .join(Offering, Offering.id == SignUpLine.offering_id)
        .where(SignUpLine.sheet_id.in_(sheet_ids))
        .order_by(SignUpLine.id)
    )
    for line, o in session.execute(query):
        out[line.sheet_id].append((line, o))
    return out


def lead(session: Session, lead_id: int) -> Lead | None:
    """One lead by id."""
    return session.get(Lead, lead_id)


def route_of_lead(session: Session, lead_id: int) -> LeadRoute | None:
    """A lead's route, if it was routed."""
    return session.scalar(select(LeadRoute).where(LeadRoute.lead_id == lead_id))


def sheets_of_account(session: Session, account_id: int, limit: int = 20) -> list[SignUpSheet]:
    """An account's newest sheets, whoever wrote them."""
    query = (
        select(SignUpSheet)
        .where(SignUpSheet.account_id == account_id)
        .order_by(SignUpSheet.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def sheets_of_visits(session: Session, visit_ids: list[int]) -> list[SignUpSheet]:
    """The sheets of these visits."""
    if not visit_ids:
        return []
    return list(session.scalars(select(SignUpSheet).where(SignUpSheet.visit_id.in_(visit_ids))))
