"""Accepting a quote creates what was sold, in one transaction:

- an order of purchase history for each one-time or per-service line (and per-project licence);
- a contract for each recurring line — subscription, service agreement, licence, usage — with
  its fee, minimum term, notice, indexation and renewal date, covering the line's machines;
- for an availability clause, an availability contract on the covered machines, linked;
- service agreements set the covered machines' coverage and contract end (the machine page
  shows "under contract until …");
- the opportunity is won with the quote's contract value, and a renewal opportunity opens
  before the end of the longest contract, its story the contract's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.contracts.clauses import clause_from
from servitize.contracts.service import create_contract
from servitize.core.errors import Conflict, NotFound
from servitize.core.settings import Settings
from servitize.installed_base import repository as ib
from servitize.installed_base.access import require
from servitize.installed_base.models import Order, SalesChannel
from servitize.kit.money import whole_cents as cents
from servitize.offers import overlaps, rules
from servitize.offers import repository as repo
from servitize.offers.models import (
    Contract,
    ContractAsset,
    ContractKind,
    ContractStatus,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from servitize.offers.price_models import Licence, Period, Subscription
from servitize.offers.proration import add_months
from servitize.offers.quotes import quote_by_token, visible_quote
from servitize.offers.totals import line_totals
from servitize.sales.won import open_renewal, win_by_quote
from servitize.trust import audit
from servitize.trust.context import Context

# The coverage a service agreement gives its machines, by the catalogue family sold.
COVERAGE_OF_FAMILY = {
    "inspection": "inspection",
    "maintenance_contract": "maintenance",
    "full_service": "full_service",
    "availability_contract": "availability",
}


@dataclass(frozen=True)
class Accepted:
    """What an acceptance created."""

    quote: Quote
    orders: list[int]
    contracts: list[Contract]
    availability_contract_id: int | None
    renewal_opportunity_id: int | None


def accept(ctx: Context, quote_id: int, name: str, version: int | None = None) -> Accepted:
    """The owner records the customer's acceptance."""
    quote = visible_quote(ctx, quote_id, for_update=True)
    require(ctx.user, "quote.accept", own=quote.owner_id == ctx.user.id)
    if version is not None and version != quote.version:
        raise Conflict(f"quote {quote.number} changed since you loaded it; reload it")
    return _accept(ctx.session, ctx.settings, quote, name, ctx.now, audit.actor_of(ctx.user))


def accept_by_link(
    session: Session, settings: Settings, token: str, name: str, now: datetime
) -> Accepted:
    """The customer accepts through the signed link they were sent."""
    quote = quote_by_token(session, token)
    if quote is None:
        raise NotFound("this link is not valid (any more); ask for a new one")
    quote = repo.quote(session, quote.id, for_update=True)
    return _accept(session, settings, quote, name, now, audit.Actor(f"customer: {name}"[:120]))


def _accept(
    session: Session, settings: Settings, quote: Quote, name: str, now: datetime, actor: audit.Actor
) -> Accepted:
    today = now.date()
    rules.check_acceptable(quote.status.value, quote.valid_until, today)
    lines = repo.lines_of(session, quote.id)
    _one_availability_contract_per_machine(session, quote, lines, today)
    offerings = ib.offerings_by_id(session, {ln.offering_id for ln in lines})
    orders: list[int] = []
    contracts: list[Contract] = []
    for ln in lines:
        offering = offerings[ln.offering_id]
        kind = rules.contract_kind(ln.model, offering.shell)
        model = rules.price_model(ln.model, ln.unit_price_cents, ln.terms or {})
        per_project = isinstance(model, Licence) and model.per_project
        if kind is None or per_project:
            orders.append(_order(session, quote, ln, today, line_one_time(quote, ln)).id)
            continue
        contracts.append(_contract(session, quote, ln, kind, model, offering.family, today, actor))
    availability_id = _availability(session, quote, lines, contracts, today, actor)
    quote.status = QuoteStatus.accepted
    quote.accepted_at, quote.accepted_by = now, name.strip()
    quote.accept_token_hash = None
    session.flush()
    renewal_id = None
    if quote.opportunity_id is not None:
        win_by_quote(
            session,
            actor,
            quote.opportunity_id,
            quote.contract_value_cents,
            quote.currency,
            quote.number,
            now,
        )
    if contracts:
        renewal_id = _renewal(session, settings, quote, contracts, now)
    audit.record(
        session,
        actor,
        "accept",
        "quote",
        quote.id,
        after={
            "orders": orders,
            "contracts": [c.number for c in contracts],
            "availability_contract": availability_id,
        },
    )
    return Accepted(quote, orders, contracts, availability_id, renewal_id)


def _factor(ln: QuoteLine) -> Decimal:
    return (1 - Decimal(ln.discount_pct) / 100) * (1 - Decimal(ln.bundle_discount_pct) / 100)


def line_one_time(quote: Quote, ln: QuoteLine) -> int:
    """A one-time line's amount after its own and its bundle's discount."""
    from servitize.offers.totals import Line

    line = Line(
        ln.name,
        rules.price_model(ln.model, ln.unit_price_cents, ln.terms or {}),
        Decimal(ln.quantity),
        Decimal(ln.discount_pct),
    )
    return line_totals(line, quote.term_months, Decimal(ln.bundle_discount_pct)).one_time_cents


def _order(session: Session, quote: Quote, ln: QuoteLine, day: date, amount_cents: int) -> Order:
    return ib.add_order(
        session,
        Order(
            external_id=f"{quote.number}-R{quote.revision}-L{ln.id}",
            account_id=quote.account_id,
            offering_id=ln.offering_id,
            day=day,
            quantity=float(ln.quantity),
            amount_cents=amount_cents,
            currency=quote.currency,
            channel=SalesChannel.sales_rep.value,
            sold_by_id=quote.owner_id,
        ),
    )


def _contract(
    session: Session,
    quote: Quote,
    ln: QuoteLine,
    kind: str,
    model: object,
    family: str | None,
    today: date,
    actor: audit.Actor,
) -> Contract:
    terms = dict(ln.terms or {})
    period = Period(terms.get("period", "month"))
    minimum = int(terms.get("minimum_term_months", 12))
    term = max(quote.term_months, minimum)
    start = today
    end = add_months(start, term)
    fee = cents(ln.unit_price_cents * Decimal(ln.quantity) * _factor(ln))
    if kind == ContractKind.usage:
        fee = 0  # rated from metered use each period
    contract = Contract(
        number=repo.next_contract_number(session),
        account_id=quote.account_id,
        quote_id=quote.id,
        quote_line_id=ln.id,
        offering_id=ln.offering_id,
        kind=ContractKind(kind),
        name=ln.name,
        status=ContractStatus.active,
        currency=quote.currency,
        fee_cents=fee,
        period=period if isinstance(model, Subscription) else Period.month,
        terms=terms | {"discount_factor": str(_factor(ln))},
        start_on=start,
        minimum_term_end=add_months(start, minimum),
        end_on=None,
        renewal_on=end,
        notice_months=int(terms.get("notice_months", 3)),
        indexation_pct=Decimal(str(terms.get("indexation_pct", "0"))),
    )
    repo.add(session, contract)
    assets = ib.assets_of_account_by_id(session, quote.account_id, ln.asset_ids or [])
    for a in assets:
        session.add(ContractAsset(contract_id=contract.id, asset_id=a.id))
        if kind == ContractKind.service_agreement or kind == ContractKind.availability:
            coverage = COVERAGE_OF_FAMILY.get(family or "", "maintenance")
            if kind == ContractKind.availability:
                coverage = "availability"
            a.coverage = coverage
            a.contract_end = max(a.contract_end or end, end)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "contract",
        contract.id,
        after={
            "number": contract.number,
            "kind": contract.kind.value,
            "fee_cents": contract.fee_cents,
            "period": contract.period.value,
            "assets": [a.id for a in assets],
        },
    )
    return contract


def _availability(
    session: Session,
    quote: Quote,
    lines: list[QuoteLine],
    contracts: list[Contract],
    today: date,
    actor: audit.Actor,
) -> int | None:
    """The quote's availability clause becomes an availability contract over the covered
    machines, its fee the monthly fee of the availability (or whole-bundle) line."""
    if not quote.clause:
        return None
    clause = quote.clause
    clause_from(clause["kind"], clause)
    asset_ids = sorted({a for ln in lines for a in (ln.asset_ids or [])})
    serials = [a.serial for a in ib.assets_of_account_by_id(session, quote.account_id, asset_ids)]
    carrier = next((c for c in contracts if c.kind == ContractKind.availability), None) or (
        contracts[0] if contracts else None
    )
    fee = 0
    if carrier is not None:
        fee = cents(Decimal(carrier.fee_cents) / carrier.period.months)
    target = float(clause["target_pct"])
    steps = clause["kind"] == "steps"
    ac = create_contract(
        session,
        actor,
        external_id=f"{quote.number}-R{quote.revision}-A",
        account_id=quote.account_id,
        name=f"{quote.title} — availability",
        target_pct=target,
        fee_cents=fee,
        currency=quote.currency,
        penalty_pct_per_step=float(clause.get("penalty_pct_per_step", 0)) if steps else 0.0,
        penalty_step_points=float(clause.get("penalty_step_points", 0.5)) if steps else 0.5,
        penalty_cap_pct=float(clause.get("penalty_cap_pct", 0)) if steps else 0.0,
        bonus_pct_per_step=float(clause.get("bonus_pct_per_step", 0)) if steps else 0.0,
        bonus_step_points=float(clause.get("bonus_step_points", 0.5)) if steps else 0.5,
        bonus_cap_pct=float(clause.get("bonus_cap_pct", 0)) if steps else 0.0,
        serials=serials or None,
        min_coverage_pct=float(clause.get("min_coverage_pct", 90)),
        valid_from=datetime.combine(today, time(), UTC),
        valid_to=None,
        clause=clause,
    )
    if carrier is not None:
        carrier.availability_contract_id = ac.id
    session.flush()
    return ac.id


def _one_availability_contract_per_machine(
    session: Session, quote: Quote, lines: list[QuoteLine], today: date
) -> None:
    """409 before anything is written when a machine the clause would cover is already under an
    availability contract that runs from the acceptance day on (offers.overlaps)."""
    if not quote.clause:
        return
    asset_ids = sorted({a for ln in lines for a in (ln.asset_ids or [])})
    machines = ib.machines_with_serial(
        session, account_ids=[quote.account_id], asset_ids=asset_ids or None
    )
    existing = [
        overlaps.InForce(
            c.external_id,
            frozenset(c.serials) if c.serials else None,
            c.valid_from,
            c.valid_to,
        )
        for c in repo.availability_in_force(session, quote.account_id)
    ]
    start = datetime.combine(today, time(), UTC)
    found = overlaps.doubly_covered({m.serial for m in machines}, start, existing)
    if found:
        raise Conflict(overlaps.message(found))


def _renewal(
    session: Session, settings: Settings, quote: Quote, contracts: list[Contract], now: datetime
) -> int | None:
    last = max(contracts, key=lambda c: c.renewal_on or c.minimum_term_end)
    end = last.renewal_on or last.minimum_term_end
    owner = ib.user_by_id(session, quote.owner_id) if quote.owner_id else None
    if owner is None:
        return None
    monthly = sum(cents(Decimal(c.fee_cents) / c.period.months) for c in contracts)
    story = (
        f"Contracts {', '.join(c.number for c in contracts)} from quote {quote.number} end on "
        f"{end.isoformat()}. Their record (availability achieved, usage, stops, penalties paid) "
        "is on the contracts' pages; renew before the notice period starts."
    )
    opp = open_renewal(
        session,
        owner,
        quote.account_id,
        f"Renewal of {quote.title} ({quote.number})"[:200],
        "service_agreement",
        monthly * quote.term_months,
        quote.currency,
        end - timedelta(days=settings.offers.renewal_lead_days),
        story,
        now,
    )
    return opp.id
