"""Queries of the sales records; an opportunity is visible when its account is."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.installed_base.access import visible_account_ids
from servitize.installed_base.models import Account
from servitize.kit.sorting import Sort, Sorts, order_by
from servitize.sales.models import (
    GateDecision,
    Handover,
    Opportunity,
    Outcome,
    PhaseChange,
    SalesActivity,
    Survey,
    TeamMember,
)
from servitize.trust.models import User


def visible(user: User) -> Select[Opportunity]:
    """Opportunities of the accounts this user may see."""
    return select(Opportunity).where(Opportunity.account_id.in_(visible_account_ids(user)))


def get(session: Session, user: User, opportunity_id: int) -> Opportunity:
    """One opportunity if the user may see its account; NotFound otherwise."""
    opp = session.scalar(visible(user).where(Opportunity.id == opportunity_id))
    if opp is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    return opp


def _opportunity_columns() -> dict[str, Any]:
    account = select(Account.name).where(Account.id == Opportunity.account_id)
    owner = select(User.username).where(User.id == Opportunity.owner_id)
    return {
        "created": Opportunity.id,
        "title": Opportunity.title,
        "account": account.scalar_subquery(),
        "phase": Opportunity.phase,
        "status": Opportunity.status,
        "value": Opportunity.value_cents,
        "probability": Opportunity.probability,
        "expected_close": Opportunity.expected_close,
        "owner": owner.scalar_subquery(),
    }


# The opportunities list's sortable columns (kit.sorting); newest first unless asked.
OPPORTUNITY_SORTS = Sorts(
    (
        "created",
        "title",
        "account",
        "phase",
        "status",
        "value",
        "probability",
        "expected_close",
        "owner",
    ),
    default="-created",
)


def page(
    session: Session,
    user: User,
    *,
    phase: int | None = None,
    status: str | None = None,
    account_id: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: Sort | None = None,
) -> tuple[list[Opportunity], int]:
    """One page of visible opportunities, newest first (or ``sort``), and the total count."""
    query = visible(user)
    if phase is not None:
        query = query.where(Opportunity.phase == phase)
    if status:
        query = query.where(Opportunity.status == status)
    if account_id is not None:
        query = query.where(Opportunity.account_id == account_id)
    if q:
        query = query.where(Opportunity.title.ilike(f"%{q}%"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (
        [Opportunity.id.desc()]
        if sort is None
        else order_by(sort, _opportunity_columns(), Opportunity.id)
    )
    rows = session.scalars(query.order_by(*order).limit(limit).offset(offset))
    return list(rows), total


def activities_of(session: Session, opportunity_ids: Iterable[int]) -> list[SalesActivity]:
    """Activities of these opportunities in blueprint order."""
    ids = list(opportunity_ids)
    if not ids:
        return []
    query = select(SalesActivity).where(SalesActivity.opportunity_id.in_(ids))
    return list(
        session.scalars(
            query.order_by(SalesActivity.phase, SalesActivity.position, SalesActivity.id)
        )
    )


def decisions_of(session: Session, opportunity_ids: Iterable[int]) -> list[GateDecision]:
    """Gate decisions of these opportunities, oldest first (the newest per gate counts)."""
    ids = list(opportunity_ids)
    if not ids:
        return []
    query = select(GateDecision).where(GateDecision.opportunity_id.in_(ids))
    return list(session.scalars(query.order_by(GateDecision.decided_at, GateDecision.id)))


def latest_decisions(decisions: Iterable[GateDecision]) -> dict[int, dict[str, str]]:
    """Per opportunity, the current decision of each gate (superseded ones are history)."""
    out: dict[int, dict[str, str]] = {}
    for d in decisions:
        if d.superseded_at is None:
            out.setdefault(d.opportunity_id, {})[d.gate] = d.decision
    return out


def current_decision(session: Session, opportunity_id: int, gate: str) -> GateDecision | None:
    """The gate's current decision, or None (never decided, or reopened)."""
    return session.scalar(
        select(GateDecision).where(
            GateDecision.opportunity_id == opportunity_id,
            GateDecision.gate == gate,
            GateDecision.superseded_at.is_(None),
        )
    )


def team_of(session: Session, opportunity_id: int) -> list[TeamMember]:
    """The opportunity's team in order of engagement."""
    query = select(TeamMember).where(TeamMember.opportunity_id == opportunity_id)
    return list(session.scalars(query.order_by(TeamMember.engaged_on, TeamMember.id)))


def handover_of(session: Session, opportunity_id: int) -> Handover | None:
    """The handover record, if any."""
    return session.scalar(select(Handover).where(Handover.opportunity_id == opportunity_id))


def outcome_of(session: Session, opportunity_id: int) -> Outcome | None:
    """The win/loss analysis, if any."""
    return session.scalar(select(Outcome).where(Outcome.opportunity_id == opportunity_id))


def phase_entries(
    session: Session, opportunity_ids: Iterable[int]
) -> dict[int, dict[int, datetime]]:
    """Per opportunity, when it (last) entered each phase."""
    ids = list(opportunity_ids)
    out: dict[int, dict[int, datetime]] = {i: {} for i in ids}
    if not ids:
        return out
    query = select(PhaseChange).where(PhaseChange.opportunity_id.in_(ids)).order_by(PhaseChange.at)
    for change in session.scalars(query):
        out[change.opportunity_id][change.to_phase] = change.at
    return out


def names(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """Users by id."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def one_for_edit(user: User, opportunity_id: int) -> Select[Opportunity]:
    """The query of one visible opportunity's row (to hold it while a change is checked)."""
    return visible(user).where(Opportunity.id == opportunity_id)


def activity_row(activity_id: int) -> Select[SalesActivity]:
    """The query of one activity's row (to hold it while a change is checked)."""
    return select(SalesActivity).where(SalesActivity.id == activity_id)


def open_pursuing_lead(session: Session, account_id: int, lead_id: int) -> Opportunity | None:
    """An open opportunity of the account that already pursues this lead."""
    query = select(Opportunity).where(
        Opportunity.account_id == account_id,
        Opportunity.status == "open",
        Opportunity.lead_id == lead_id,
    )
    return session.scalar(query.limit(1))


def open_with_title_since(
    session: Session, account_id: int, title: str, since: datetime, until: datetime
) -> Opportunity | None:
    """An open opportunity of the account with this title (any case) opened in the window."""
    query = select(Opportunity).where(
        Opportunity.account_id == account_id,
        Opportunity.status == "open",
        func.lower(Opportunity.title) == title.lower(),
        Opportunity.created_at >= since,
        Opportunity.created_at <= until,
    )
    return session.scalar(query.limit(1))


def person(session: Session, user_id: int) -> User | None:
    """One user by id."""
    return session.get(User, user_id)


def visible_by_id(session: Session, user: User, limit: int) -> list[Opportunity]:
    """Visible opportunities, oldest first (the forecast)."""
    return list(session.scalars(visible(user).order_by(Opportunity.id).limit(limit)))


def visible_of_type(
    session: Session, user: User, offering_type: str, limit: int
) -> list[Opportunity]:
    """Visible opportunities of one offering type, newest first (the aggregated blueprint)."""
    query = visible(user).where(Opportunity.offering_type == offering_type)
    return list(session.scalars(query.order_by(Opportunity.id.desc()).limit(limit)))


def won_after_delivery(session: Session, user: User) -> list[Opportunity]:
    """Visible won opportunities in phase 4 or 5, by renewal date."""
    query = visible(user).where(Opportunity.status == "won", Opportunity.phase >= 4)
    return list(session.scalars(query.order_by(Opportunity.renewal_on, Opportunity.id)))


def last_touchpoints(session: Session, opportunity_ids: Iterable[int]) -> dict[int, date]:
    """Per opportunity, the day its last touch-point activity was done."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    query = (
        select(SalesActivity.opportunity_id, func.max(SalesActivity.done_on))
        .where(
            SalesActivity.opportunity_id.in_(ids),
            SalesActivity.touchpoint.is_(True),
            SalesActivity.status == "done",
        )
        .group_by(SalesActivity.opportunity_id)
    )
    return {i: d for i, d in session.execute(query) if d is not None}


def outcomes_found(
    session: Session,
    user: User,
    *,
    q: str | None,
    result: str | None,
    references_only: bool,
    limit: int,
) -> list[tuple[Outcome, Opportunity]]:
    """Win/loss analyses of visible opportunities, newest first, with their opportunities."""
    query = (
        select(Outcome, Opportunity)
        .join(Opportunity, Opportunity.id == Outcome.opportunity_id)
        .where(Opportunity.account_id.in_(visible_account_ids(user)))
    )
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                Outcome.lessons.ilike(like),
                Outcome.competitor.ilike(like),
                Opportunity.title.ilike(like),
                Outcome.reference_summary.ilike(like),
            )
        )
    if result:
        query = query.where(Outcome.result == result)
    if references_only:
        query = query.where(Outcome.reference_case.is_(True))
    rows = session.execute(query.order_by(Outcome.id.desc()).limit(limit))
    return [(o, opp) for o, opp in rows]


def survey(session: Session, survey_id: int) -> Survey | None:
    """One survey by id."""
    return session.get(Survey, survey_id)


def surveys_of_account(session: Session, account_id: int) -> list[Survey]:
    """An account's surveys, oldest first."""
    query = select(Survey).where(Survey.account_id == account_id).order_by(Survey.id)
    return list(session.scalars(query))


def locked(session: Session, opportunity_id: int) -> Opportunity | None:
    """One opportunity by id, its row held until the transaction ends (no scope: the offers
    capability wins it when its quote is accepted)."""
    return session.get(Opportunity, opportunity_id, with_for_update=True)
