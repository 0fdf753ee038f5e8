"""All SQL of the kpis capability: its own tables, and the read-only facts of the other
capabilities it measures (contracts, orders, leads, opportunities, service events)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute
from servitize.installed_base.access import account_scope
from servitize.installed_base.models import Account, Asset, Offering, Order, ServiceEvent, Visit
from servitize.intelligence.models import Lead, SegmentAssignment
from servitize.kpis.models import CostRate, EffortEntry, Spend, Touch
from servitize.kpis.rules import Rate, SpendRow, TouchRow
from servitize.offers.models import (
    BillingLine,
    Contract,
    ContractAsset,
    OfferingPrice,
    Quote,
    QuoteLine,
)
from servitize.sales.models import Opportunity, SalesActivity
from servitize.trust.models import User

Scope = Select[Any]


def add(session: Session, *rows: object) -> None:
    session.add_all(rows)
    session.flush()


def rates(session: Session) -> list[Rate]:
    rows = session.scalars(select(CostRate).order_by(CostRate.role, CostRate.valid_from))
    return [Rate(r.role, r.region, r.valid_from, r.cents_per_hour) for r in rows]


def cost_rates(session: Session) -> list[CostRate]:
    return list(session.scalars(select(CostRate).order_by(CostRate.role, CostRate.valid_from)))


def rate_row(session: Session, role: str, region: str | None, valid_from: date) -> CostRate | None:
    q = select(CostRate).where(CostRate.role == role, CostRate.valid_from == valid_from)
    q = q.where(CostRate.region.is_(None) if region is None else CostRate.region == region)
    return session.scalar(q)


def effort(
    session: Session, scope: Scope, upto: date, since: date | None = None, limit: int | None = None
) -> list[EffortEntry]:
    q = select(EffortEntry).where(EffortEntry.account_id.in_(scope), EffortEntry.day <= upto)
    if since is not None:
        q = q.where(EffortEntry.day >= since)
    q = q.order_by(EffortEntry.day.desc(), EffortEntry.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q))


def spends(session: Session, upto: date | None = None) -> list[Spend]:
    q = select(Spend).order_by(Spend.start_on, Spend.id)
    if upto is not None:
        q = q.where(Spend.start_on <= upto)
    return list(session.scalars(q))


def spend_rows(session: Session, upto: date) -> list[SpendRow]:
    return [
        SpendRow(
            s.id, str(s.kind), str(s.channel), s.start_on, s.end_on, s.amount_cents, s.account_id
        )
        for s in spends(session, upto)
    ]


def spend_by_external_id(session: Session, external_id: str) -> Spend | None:
    return session.scalar(select(Spend).where(Spend.external_id == external_id))


def touches(session: Session, upto: date) -> list[TouchRow]:
    rows = session.execute(
        select(Touch.spend_id, Touch.account_id, Touch.day, Touch.id).where(Touch.day <= upto)
    )
    return [TouchRow(s, a, d, i) for s, a, d, i in rows]


def touch_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(Touch.spend_id, func.count()).group_by(Touch.spend_id))
    return {s: int(n) for s, n in rows}


@dataclass(frozen=True)
class ContractFact:
    id: int
    account_id: int
    kind: str
    start_on: date
    owner_id: int | None
    lead_source: str | None  # the source of the lead the sale came from, if any


def contract_facts(session: Session, scope: Scope, upto: date) -> list[ContractFact]:
    """Every contract started by ``upto`` with the quote's owner and the source of the lead
    behind the quote's opportunity."""
    q = (
        select(
            Contract.id,
            Contract.account_id,
            Contract.kind,
            Contract.start_on,
            Quote.owner_id,
            Lead.source,
        )
        .outerjoin(Quote, Quote.id == Contract.quote_id)
        .outerjoin(Opportunity, Opportunity.id == Quote.opportunity_id)
        .outerjoin(Lead, Lead.id == Opportunity.lead_id)
        .where(Contract.account_id.in_(scope), Contract.start_on <= upto)
    )
    return [
        ContractFact(i, a, str(k), s, o, str(src) if src else None)
        for i, a, k, s, o, src in session.execute(q)
    ]


@dataclass(frozen=True)
class OrderFact:
    id: int
    account_id: int
    day: date
    revenue_model: str
    shell: str
    channel: str
    sold_by_id: int | None
    amount_cents: int


def order_facts(
    session: Session, scope: Scope, upto: date, since: date | None = None
) -> list[OrderFact]:
    q = (
        select(
            Order.id,
            Order.account_id,
            Order.day,
            Offering.revenue_model,
            Offering.shell,
            Order.channel,
            Order.sold_by_id,
            Order.amount_cents,
        )
        .join(Offering, Offering.id == Order.offering_id)
        .where(Order.account_id.in_(scope), Order.day <= upto)
    )
    if since is not None:
        q = q.where(Order.day >= since)
    return [
        OrderFact(i, a, d, str(m), str(s), str(c), u, int(amt or 0))
        for i, a, d, m, s, c, u, amt in session.execute(q)
    ]


@dataclass(frozen=True)
class AccountFacts:
    name: str
    owner_id: int | None
    dealer_id: int | None
    segment: str | None
    go_to_market: str | None


def account_facts(session: Session, scope: Scope) -> dict[int, AccountFacts]:
    q = (
        select(
            Account.id,
            Account.name,
            Account.owner_id,
            Account.dealer_id,
            SegmentAssignment.label,
            SegmentAssignment.go_to_market,
        )
        .outerjoin(SegmentAssignment, SegmentAssignment.account_id == Account.id)
        .where(Account.id.in_(scope))
    )
    return {i: AccountFacts(n, o, d, s, g) for i, n, o, d, s, g in session.execute(q)}


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(wanted))
    )
    return {i: (full or name) for i, full, name in rows}


def users_of_roles(session: Session, roles: Iterable[str]) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_(list(roles))).order_by(User.id)))


def contracts_running(session: Session, start: date, end: date, scope: Scope) -> list[Contract]:
    q = (
        select(Contract)
        .where(
            Contract.start_on < end,
            Contract.end_on.is_(None) | (Contract.end_on > start),
            Contract.account_id.in_(scope),
        )
        .order_by(Contract.id)
    )
    return list(session.scalars(q))


def monthly_costs(session: Session, contract_ids: Iterable[int]) -> dict[int, int | None]:
    """Each contract's cost per period from its quote line (cost per unit × quantity), or None
    where the contract came from no quote line."""
    ids = list(contract_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Contract.id, QuoteLine.cost_cents, QuoteLine.quantity)
        .outerjoin(QuoteLine, QuoteLine.id == Contract.quote_line_id)
        .where(Contract.id.in_(ids))
    )
    out: dict[int, int | None] = {}
    for cid, cost, qty in rows:
        out[cid] = None if cost is None else int(Decimal(cost) * Decimal(qty or 1))
    return out


def effort_subject(
    session: Session, activity_id: int | None, visit_id: int | None, lead_id: int | None
) -> tuple[int, int | None, str | None, str | None] | None:
    """(account, opportunity, template code, layer) of the one subject set; None if absent."""
    if activity_id is not None:
        row = session.execute(
            select(Opportunity.account_id, Opportunity.id, SalesActivity.code, SalesActivity.layer)
            .join(Opportunity, Opportunity.id == SalesActivity.opportunity_id)
            .where(SalesActivity.id == activity_id)
        ).first()
        return None if row is None else (row[0], row[1], row[2], row[3])
    if visit_id is not None:
        account = session.scalar(select(Visit.account_id).where(Visit.id == visit_id))
        return None if account is None else (account, None, None, None)
    if lead_id is not None:
        account = session.scalar(select(Lead.account_id).where(Lead.id == lead_id))
        return None if account is None else (account, None, None, None)
    return None


@dataclass(frozen=True)
class LeadFact:
    lead_id: int
    as_of: date
    source: str
    reported_by_id: int | None
    route: str | None
    stage: str | None
    status: str
    reported_at: datetime | None
    first_action_at: datetime | None
    proposal_at: datetime | None
    closed_at: datetime | None
    opportunity_id: int | None
    opportunity_status: str | None
    opportunity_owner_id: int | None


def lead_facts(session: Session, scope: Scope, since: date, upto: date) -> list[LeadFact]:
    """Leads raised in [since, upto] (routed or not) with their clock and their opportunity."""
    q = (
        select(
            Lead.id,
            Lead.as_of,
            Lead.source,
            LeadRoute.reported_by_id,
            LeadRoute.route,
            LeadRoute.stage,
            Lead.status,
            LeadRoute.reported_at,
            LeadRoute.first_action_at,
            LeadRoute.proposal_at,
            LeadRoute.closed_at,
            Opportunity.id,
            Opportunity.status,
            Opportunity.owner_id,
        )
        .outerjoin(LeadRoute, LeadRoute.lead_id == Lead.id)
        .outerjoin(Opportunity, Opportunity.lead_id == Lead.id)
        .where(Lead.account_id.in_(scope), Lead.as_of >= since, Lead.as_of <= upto)
    )
    return [
        LeadFact(
            r[0],
            r[1],
            str(r[2]),
            r[3],
            str(r[4]) if r[4] else None,
            str(r[5]) if r[5] else None,
            str(r[6]),
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            str(r[12]) if r[12] else None,
            r[13],
        )
        for r in session.execute(q)
    ]


def repairs(session: Session, scope: Scope, since: date, upto: date) -> list[tuple[int, date]]:
    rows = session.execute(
        select(ServiceEvent.asset_id, ServiceEvent.day).where(
            ServiceEvent.account_id.in_(scope),
            ServiceEvent.kind == "repair",
            ServiceEvent.day >= since,
            ServiceEvent.day <= upto,
        )
    )
    return [(a, d) for a, d in rows]


def billed_cents(session: Session, scope: Scope, since: str, upto: str) -> int:
    """Billable billing lines of the months [since, upto] (``YYYY-MM``)."""
    total = session.scalar(
        select(func.coalesce(func.sum(BillingLine.amount_cents), 0)).where(
            BillingLine.account_id.in_(scope),
            BillingLine.billable.is_(True),
            BillingLine.period >= since,
            BillingLine.period <= upto,
        )
    )
    return int(total or 0)


def settlements(session: Session, scope: Scope, since: str, upto: str) -> list[dict[str, Any]]:
    """The evidence of availability settlements billed in the months [since, upto]."""
    rows = session.scalars(
        select(BillingLine.evidence).where(
            BillingLine.account_id.in_(scope),
            BillingLine.period >= since,
            BillingLine.period <= upto,
            BillingLine.evidence.is_not(None),
        )
    )
    return [e for e in rows if isinstance(e, dict) and "target_pct" in e]


def own_assets(session: Session, scope: Scope) -> list[int]:
    return list(
        session.scalars(select(Asset.id).where(Asset.account_id.in_(scope), Asset.origin == "own"))
    )


def covered_assets(session: Session, scope: Scope, day: date) -> set[int]:
    """Machines under a contract running on ``day``."""
    q = (
        select(ContractAsset.asset_id)
        .join(Contract, Contract.id == ContractAsset.contract_id)
        .where(
            Contract.account_id.in_(scope),
            Contract.start_on <= day,
            Contract.end_on.is_(None) | (Contract.end_on > day),
        )
    )
    return set(session.scalars(q))


def scope_of(user: User, owner_id: int | None = None) -> Scope:
    """The account ids a user may see, of one owner when ``owner_id`` is given."""
    q = select(Account.id).where(account_scope(user))
    if owner_id is not None:
        q = q.where(Account.owner_id == owner_id)
    return q


def account_ids_by_external_id(session: Session, external_ids: Iterable[str]) -> dict[str, int]:
    wanted = {e for e in external_ids if e}
    if not wanted:
        return {}
    rows = session.execute(
        select(Account.external_id, Account.id).where(Account.external_id.in_(wanted))
    )
    return {str(e): int(i) for e, i in rows}


@dataclass(frozen=True)
class DemoFacts:
    """What the sample company's effort and spend are drawn from: visits (visit, account,
    technician, day), leads (lead, account, day, who reported or works it), sales activities
    (activity, account, owner, done on, template code, layer), customer accounts (account,
    owner, dealer, segment) and each account's first purchase."""

    visits: Sequence[tuple[int, int, int, date]]
    leads: Sequence[tuple[int, int, date, int | None]]
    activities: Sequence[tuple[int, int, int | None, date | None, str | None, str]]
    accounts: Sequence[tuple[int, int | None, int | None, str | None]]
    first_buys: dict[int, date]  # account -> its first order or contract


def demo_facts(session: Session, since: date, upto: date) -> DemoFacts:
    visits = [
        (i, a, t, d)
        for i, a, t, d in session.execute(
            select(Visit.id, Visit.account_id, Visit.technician_id, Visit.day).where(
                Visit.day >= since, Visit.day <= upto
            )
        )
    ]
    leads = [
        (i, a, d, who)
        for i, a, d, who in session.execute(
            select(
                Lead.id,
                Lead.account_id,
                Lead.as_of,
                func.coalesce(LeadRoute.reported_by_id, LeadRoute.assigned_to_id),
            )
            .outerjoin(LeadRoute, LeadRoute.lead_id == Lead.id)
            .where(Lead.as_of >= since, Lead.as_of <= upto)
        )
    ]
    activities = [
        (i, a, o, d, c, str(layer))
        for i, a, o, d, c, layer in session.execute(
            select(
                SalesActivity.id,
                Opportunity.account_id,
                func.coalesce(SalesActivity.owner_id, Opportunity.owner_id),
                SalesActivity.done_on,
                SalesActivity.code,
                SalesActivity.layer,
            ).join(Opportunity, Opportunity.id == SalesActivity.opportunity_id)
        )
    ]
    accounts = [
        (i, o, d, s)
        for i, o, d, s in session.execute(
            select(Account.id, Account.owner_id, Account.dealer_id, SegmentAssignment.label)
            .outerjoin(SegmentAssignment, SegmentAssignment.account_id == Account.id)
            .where(Account.kind == "customer")
        )
    ]
    first: dict[int, date] = {}
    for a, d in session.execute(
        select(Order.account_id, func.min(Order.day)).group_by(Order.account_id)
    ):
        first[a] = d
    for a, d in session.execute(
        select(Contract.account_id, func.min(Contract.start_on)).group_by(Contract.account_id)
    ):
        first[a] = min(first.get(a, d), d)
    return DemoFacts(visits, leads, activities, accounts, first)


def has_spend(session: Session) -> bool:
    return session.scalar(select(Spend.id).limit(1)) is not None


def users_by_id(session: Session) -> dict[int, User]:
    return {u.id: u for u in session.scalars(select(User))}


def offerings_by_external_id(session: Session, external_ids: Iterable[str]) -> dict[str, Offering]:
    rows = session.scalars(select(Offering).where(Offering.external_id.in_(list(external_ids))))
    return {o.external_id: o for o in rows}


def offering_costs(session: Session, offering_ids: Iterable[int]) -> dict[int, int]:
    rows = session.execute(
        select(OfferingPrice.offering_id, OfferingPrice.cost_cents).where(
            OfferingPrice.offering_id.in_(list(offering_ids))
        )
    )
    return {int(o): int(c) for o, c in rows}


def dealer_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(Account.id).where(Account.kind == "dealer").order_by(Account.id))
    )


def segment_examples(session: Session) -> list[SegmentAssignment]:
    """One segment assignment per label (the first account's), to copy for a new account."""
    out: dict[str, SegmentAssignment] = {}
    for row in session.scalars(select(SegmentAssignment).order_by(SegmentAssignment.id)):
        out.setdefault(row.label, row)
    return list(out.values())


def account_exists(session: Session, external_id: str) -> bool:
    return session.scalar(select(Account.id).where(Account.external_id == external_id)) is not None


def all_accounts() -> Scope:
    """Every account: what the CLV models are fitted on, whoever looks (their answers are then
    limited to the accounts the user may see)."""
    return select(Account.id)
