"""The SQL of comparing the organisation types (and of the simulation's measured parameters):
each account's customer groups, its opportunities and leads with their outcome, its digital
purchases and running contracts. Read-only facts of other capabilities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute
from servitize.installed_base.models import Account, Offering, Order, Visit
from servitize.intelligence.models import Lead, SegmentAssignment
from servitize.kpis.models import EffortEntry
from servitize.kpis.repository import Scope
from servitize.offers.models import Contract
from servitize.sales.models import Opportunity


@dataclass(frozen=True)
class AccountGroups:
    """An account's name, owner, dealer and the customer groups it belongs to."""

    name: str
    owner_id: int | None
    dealer_id: int | None
    segment: str | None
    industry: str | None
    country: str | None


def account_groups(session: Session, scope: Scope) -> dict[int, AccountGroups]:
    """The customer accounts in ``scope`` with their segment, industry and country."""
    q = (
        select(
            Account.id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            SegmentAssignment.label,
            Account.industry,
            Account.country,
        )
        .outerjoin(SegmentAssignment, SegmentAssignment.account_id == Account.id)
        .where(Account.id.in_(scope), Account.kind == "customer")
    )
    return {i: AccountGroups(n, o, d, s, ind, c) for i, n, o, d, s, ind, c in session.execute(q)}


@dataclass(frozen=True)
class OpportunityFact:
    """An opportunity: its account, owner, the day it opened, how it stands, when it closed."""

    id: int
    account_id: int
    owner_id: int | None
    opened: datetime
    status: str
    closed: datetime | None


def opportunities(session: Session, scope: Scope, upto: date) -> list[OpportunityFact]:
    """Every opportunity of the accounts in ``scope`` opened by ``upto``."""
    q = select(
        Opportunity.id,
        Opportunity.account_id,
        Opportunity.owner_id,
        Opportunity.created_at,
        Opportunity.status,
        Opportunity.closed_at,
    ).where(Opportunity.account_id.in_(scope))
    out = []
    for i, a, o, opened, status, closed in session.execute(q):
        if opened.date() <= upto:
            out.append(OpportunityFact(i, a, o, opened, str(status), closed))
    return out


@dataclass(frozen=True)
class LeadOutcome:
    """A lead: its account, day, source, who reported it, whether an opportunity came of it,
    and whether it was won (routed lead won, opportunity won or lead converted)."""

    id: int
    account_id: int
    day: date
    source: str
    reported_by_id: int | None
    opportunity: bool
    won: bool


def lead_outcomes(session: Session, scope: Scope, since: date, upto: date) -> list[LeadOutcome]:
    """Leads raised in [since, upto] at the accounts in ``scope``."""
    q = (
        select(
            Lead.id,
            Lead.account_id,
            Lead.as_of,
            Lead.source,
            LeadRoute.reported_by_id,
            LeadRoute.stage,
            Lead.status,
            Opportunity.id,
            Opportunity.status,
        )
        .outerjoin(LeadRoute, LeadRoute.lead_id == Lead.id)
        .outerjoin(Opportunity, Opportunity.lead_id == Lead.id)
        .where(Lead.account_id.in_(scope), Lead.as_of >= since, Lead.as_of <= upto)
    )
    seen: dict[int, LeadOutcome] = {}
    for i, a, d, src, rep, stage, status, opp, opp_status in session.execute(q):
        won = stage == "won" or opp_status == "won" or status == "converted"
        before = seen.get(i)
        if before is not None:  # several opportunities of one lead: any won counts
            won = won or before.won
        seen[i] = LeadOutcome(i, a, d, str(src), rep, opp is not None, won)
    return list(seen.values())


@dataclass(frozen=True)
class Purchase:
    """A won order or contract: account, day, the offering's shell (None: no offering), what
    kind of sale (order or contract kind), and the amount (an order's) or fee per month."""

    account_id: int
    day: date
    shell: str | None
    kind: str
    cents: int


def purchases(session: Session, scope: Scope, upto: date) -> list[Purchase]:
    """Every order and contract of the accounts in ``scope`` started by ``upto``."""
    out = [
        Purchase(a, d, str(s), "order:" + str(m), int(amt or 0))
        for a, d, s, m, amt in session.execute(
            select(
                Order.account_id,
                Order.day,
                Offering.shell,
                Offering.revenue_model,
                Order.amount_cents,
            )
            .join(Offering, Offering.id == Order.offering_id)
            .where(Order.account_id.in_(scope), Order.day <= upto)
        )
    ]
    for a, d, s, k, fee in session.execute(
        select(
            Contract.account_id,
            Contract.start_on,
            Offering.shell,
            Contract.kind,
            Contract.fee_cents,
        )
        .outerjoin(Offering, Offering.id == Contract.offering_id)
        .where(Contract.account_id.in_(scope), Contract.start_on <= upto)
    ):
        out.append(Purchase(a, d, str(s) if s else None, "contract:" + str(k), int(fee or 0)))
    return out


def contracts_on(session: Session, scope: Scope, day: date) -> list[Contract]:
    """The contracts of the accounts in ``scope`` running on ``day``."""
    q = select(Contract).where(
        Contract.account_id.in_(scope),
        Contract.start_on <= day,
        Contract.end_on.is_(None) | (Contract.end_on > day),
    )
    return list(session.scalars(q))


def visits(session: Session, scope: Scope, since: date, upto: date) -> list[tuple[int, int]]:
    """(technician, account) of each visit in [since, upto]."""
    q = select(Visit.technician_id, Visit.account_id).where(
        Visit.account_id.in_(scope), Visit.day >= since, Visit.day <= upto
    )
    return [(t, a) for t, a in session.execute(q)]


def lead_hours(session: Session, scope: Scope, since: date, upto: date) -> list[tuple[int, float]]:
    """(lead, hours) of the effort recorded on leads in [since, upto]."""
    q = select(EffortEntry.lead_id, EffortEntry.hours).where(
        EffortEntry.account_id.in_(scope),
        EffortEntry.lead_id.is_not(None),
        EffortEntry.day >= since,
        EffortEntry.day <= upto,
    )
    return [(int(lead or 0), float(h)) for lead, h in session.execute(q)]


def ids_scope(ids: list[int]) -> Scope:
    """The accounts of these ids, as a scope the other queries take."""
    return select(Account.id).where(Account.id.in_(ids))
