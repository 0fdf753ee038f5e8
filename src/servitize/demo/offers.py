"""Offers in the demo: price terms for the catalogue, quotes in every state, the contracts of the
accepted ones, and a year of billing.

Everything goes through the offers services as a user would: quotes are created, filled, submitted,
approved, sent, revised and accepted on the days they would have been (a context on a past day),
so the audit trail, the contracts, the covered machines and the renewal opportunities are the
ones the product makes. Billing then runs for each of the last twelve finished months with the
telemetry readers of the demo's store; every month but the last is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from servitize.contracts import repository as contracts_repo
from servitize.core.settings import Settings
from servitize.demo.catalogue import OFFERINGS, Offering
from servitize.installed_base import repository as installed_base
from servitize.offers import acceptance, billing, lifecycle, quotes
from servitize.offers import repository as offers_repo
from servitize.offers.metering import availability_settlement, telemetry_meter
from servitize.offers.models import OfferingPrice, Quote, QuoteStatus
from servitize.offers.proration import add_months
from servitize.offers.schemas import ClauseIn, FormulaLineIn, LineIn, QuoteCreate, QuoteTerms
from servitize.telemetry.store import TelemetryStore
from servitize.trust import repository as trust
from servitize.trust.context import Context
from servitize.trust.models import User

# The availability offering's standard clause: 5 % of the fee back per point below 98 % (the
# sales policy's borderline), at most 10 %, nothing paid below 90 %; 1 % bonus per point above,
# at most 3 %.
UPTIME_CLAUSE = {
    "kind": "linear_bonus",
    "target_pct": "98",
    "pct_per_point": "5",
    "cap_pct": "10",
    "floor_pct": "90",
    "bonus_pct_per_point": "1",
    "bonus_cap_pct": "3",
    "min_coverage_pct": "90",
}
SERVICE_FAMILIES = {"maintenance_contract", "inspection", "availability_contract"}
# Standard price formulas (offers.formulas) of two items, for a budget price at once: a monthly
# base per machine by size class, a rate per operating hour, steps off for volume and term, a
# factor per region, and the budget offer's spread of ± 15 %.
FORMULAS: dict[str, dict[str, Any]] = {
    "D-CM": {
        "base_by_size_cents": {"S": 3_500, "M": 4_500, "L": 6_000},
        "hourly_cents": "0.1",
        "volume_steps": {"5": "5", "10": "10"},
        "term_steps": {"36": "4", "60": "8"},
        "region_factors": {"DE": "1", "NO": "1.15", "US": "1.05"},
        "budget_spread_pct": "15",
    },
    "B-UPTIME": {
        "base_by_size_cents": {"S": 42_000, "M": 54_000, "L": 72_000},
        "hourly_cents": "2",
        "volume_steps": {"3": "3", "10": "8"},
        "term_steps": {"36": "4", "60": "8"},
        "region_factors": {"DE": "1", "NO": "1.15", "US": "1.05"},
        "budget_spread_pct": "15",
    },
}


def price_terms(o: Offering) -> tuple[str, dict[str, Any], int, int, int]:
    """(revenue model, terms, floor, cost, standard term in months) of a catalogue item."""
    price = round(o.price * 100)
    if o.revenue_model in {"subscription", "availability_contract"}:
        service = o.family in SERVICE_FAMILIES
        terms: dict[str, Any] = {
            "period": "year" if "year" in o.unit else "month",
            "minimum_term_months": 36 if service else 12,
            "notice_months": 6 if o.revenue_model == "availability_contract" else 3,
            "indexation_pct": "2.5" if service else "0",
        }
        if o.revenue_model == "availability_contract":
            terms["clause"] = dict(UPTIME_CLAUSE)
        if o.external_id in FORMULAS:
            terms["formula"] = FORMULAS[o.external_id]
        cost = 55 if service else 25
        return o.revenue_model, terms, price * 80 // 100, price * cost // 100, 36
    if o.revenue_model == "licence":
        return "licence", {"per_project": False}, price * 75 // 100, price * 15 // 100, 36
    cost = {"machines": 70, "spare_parts": 45}.get(o.family, 55)
    return o.revenue_model, {}, price * 85 // 100, price * cost // 100, 0


def add_price_terms(session: Session) -> int:
    """An OfferingPrice for every catalogue item that has none; how many were added."""
    found = {
        o.external_id: installed_base.offering_by_external_id(session, o.external_id)
        for o in OFFERINGS
    }
    have = offers_repo.prices_of(session, [x.id for x in found.values() if x is not None])
    added = []
    for o in OFFERINGS:
        row = found[o.external_id]
        if row is None or row.id in have:
            continue
        model, terms, floor, cost, term = price_terms(o)
        added.append(
            OfferingPrice(
                offering_id=row.id,
                model=model,
                terms=terms,
                floor_cents=floor,
                cost_cents=cost,
                standard_term_months=term,
            )
        )
    offers_repo.add(session, *added)
    return len(added)


@dataclass(frozen=True)
class Customer:
    """An account the demo quotes to: its owner, and machines of ours with a serial."""

    account_id: int
    owner: User
    asset_ids: list[int]


def _customers(session: Session, first_account: int | None) -> list[Customer]:
    machines = installed_base.machines_with_serial(session, own_only=True)
    by_account: dict[int, list[int]] = {}
    for m in machines:
        by_account.setdefault(m.account_id, []).append(m.asset_id)
    accounts = installed_base.accounts_by_id(session, set(by_account))
    owners = installed_base.users_by_id(
        session, {a.owner_id for a in accounts.values() if a.owner_id is not None}
    )
    order = sorted(by_account, key=lambda a: (a != first_account, a))
    return [
        Customer(a, owners[accounts[a].owner_id], sorted(by_account[a]))  # type: ignore[index]
        for a in order
        if accounts[a].kind == "customer" and accounts[a].owner_id in owners
    ]


def _on(ctx: Context, day: date, user: User | None = None) -> Context:
    return Context(
        ctx.session,
        user or ctx.user,
        ctx.settings,
        datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
    )


def _quote(
    ctx: Context,
    customer: Customer,
    title: str,
    lines: list[LineIn],
    clause: dict[str, Any] | None = None,
    terms: QuoteTerms | None = None,
) -> Quote:
    q = quotes.create_quote(
        ctx,
        QuoteCreate(
            account_id=customer.account_id,
            title=title,
            currency="EUR",  # the catalogue's currency, whatever the account's
            term_months=36,
            terms=terms or QuoteTerms(payment_days=30, penalty_cap_pct=Decimal(10)),
            clause=ClauseIn(**clause) if clause else None,
        ),
    )
    for line in lines:
        quotes.add_line(ctx, q.id, line)
    return q


def _approved(ctx: Context, manager: User, q: Quote, reason: str | None = None) -> Quote:
    """Submit; a manager approves what needs approval (with a reason for terms outside)."""
    q = quotes.submit(ctx, q.id)
    if q.status == QuoteStatus.pending_approval:
        q = quotes.approve(_on(ctx, ctx.today, manager), q.id, reason)
    return q


def _end_availability(session: Session, account_id: int, serials: set[str], day: date) -> None:
    """End the account's open availability contracts on these machines at the start of ``day``."""
    end = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for running in offers_repo.availability_in_force(session, account_id):
        covers = running.serials is None or serials & set(running.serials)
        if covers and (running.valid_to is None or running.valid_to > end):
            running.valid_to = max(end, running.valid_from)
    session.flush()


def build_quotes(
    session: Session,
    settings: Settings,
    today: date,
    first_account: int | None,
    reporting: list[str] | None = None,
) -> dict[str, int]:
    """Quotes in every state over the last thirteen months; contracts from the accepted ones."""
    users = trust.users_in_order(session)
    manager = next((u for u in users if u.role == "sales_manager"), None)
    customers = _customers(session, first_account)
    if manager is None or len(customers) < 8:
        return {}
    base = Context(session, customers[0].owner, settings)
    month0 = today.replace(day=1)
    states: dict[str, int] = {}

    # 1. A Smart PSS bundle on the machines with telemetry, accepted through the customer's link
    # three months ago: service agreement, monitoring, availability clause, sensor retrofit. It
    # replaces the press line's availability contract made by hand seven months ago, which ends
    # the day the bundle's begins: a machine is under one availability contract at a time.
    c = customers[0]
    machines = c.asset_ids[:3]
    accepted_on = add_months(month0, -3)
    if reporting:  # the machines whose status events are in the demo's telemetry store
        found = installed_base.machines_with_serial(
            session, account_ids=[c.account_id], serials=reporting
        )
        machines = sorted({m.asset_id for m in found}) or machines
        _end_availability(session, c.account_id, set(reporting), accepted_on)
    day = accepted_on - timedelta(days=6)
    ctx = _on(base, day, c.owner)
    bundle = "Press line uptime"
    q = _quote(
        ctx,
        c,
        "Press line uptime bundle",
        [
            LineIn(offering="X-RETRO", quantity=Decimal(len(machines)), asset_ids=machines),
            LineIn(
                offering="S-PM",
                quantity=Decimal(len(machines)),
                bundle=bundle,
                bundle_discount_pct=Decimal(5),
                asset_ids=machines,
            ),
            LineIn(
                offering="D-CM",
                quantity=Decimal(len(machines)),
                bundle=bundle,
                bundle_discount_pct=Decimal(5),
                asset_ids=machines,
            ),
            LineIn(
                offering="B-UPTIME",
                quantity=Decimal(len(machines)),
                bundle=bundle,
                bundle_discount_pct=Decimal(5),
                asset_ids=machines,
            ),
        ],
        clause=UPTIME_CLAUSE,
    )
    q = _approved(ctx, manager, q)
    q, token = quotes.send(ctx, q.id)
    acceptance.accept_by_link(
        session, settings, token, "Plant manager", ctx.now + timedelta(days=6)
    )

    # 2. Digital twins and remote service, accepted by the owner eleven months ago; the twin
    # licence upgraded to a third machine five months ago.
    c = customers[1]
    ctx = _on(base, add_months(month0, -11) + timedelta(days=3), c.owner)
    q = _quote(
        ctx,
        c,
        "Digital twins and remote service",
        [
            LineIn(offering="D-TWIN", quantity=Decimal(2)),
            LineIn(offering="D-REMOTE"),
            LineIn(offering="S-INSP", quantity=Decimal(2)),
        ],
    )
    q = _approved(ctx, manager, q)
    accepted = acceptance.accept(ctx, q.id, "Head of maintenance")
    twin = next(x for x in accepted.contracts if x.kind == "licence")
    later = add_months(month0, -5) + timedelta(days=14)
    lifecycle.amend(
        _on(ctx, later, manager), twin.id, twin.fee_cents * 3 // 2, later, "a third machine"
    )

    # 3. Compressed air as a service at 15 % off: beyond the owner's authority, approved by the
    # sales manager, sent and accepted five months ago.
    c = customers[2]
    ctx = _on(base, add_months(month0, -5) + timedelta(days=1), c.owner)
    q = _quote(
        ctx,
        c,
        "Compressed air as a service",
        [LineIn(offering="B-AIR", discount_pct=Decimal(15))],
    )
    q = _approved(ctx, manager, q)
    q, token = quotes.send(ctx, q.id)
    acceptance.accept_by_link(session, settings, token, "Operations director", ctx.now)

    # 4. Condition monitoring Pro, sent, then revised with a full service contract: revision 1
    # superseded, revision 2 sent and waiting for the customer.
    c = customers[3]
    ctx = _on(base, today - timedelta(days=40), c.owner)
    q = _quote(
        ctx,
        c,
        "Condition monitoring for the pumps",
        [LineIn(offering="D-CMPRO", quantity=Decimal(4))],
    )
    q = _approved(ctx, manager, q)
    quotes.send(ctx, q.id)
    ctx = _on(base, today - timedelta(days=12), c.owner)
    q = quotes.revise(ctx, q.id)
    quotes.add_line(ctx, q.id, LineIn(offering="S-FULL", quantity=Decimal(2)))
    q = _approved(ctx, manager, q)
    quotes.send(ctx, q.id)

    # 5. Expired: an inspection agreement sent three months ago, never answered.
    c = customers[4]
    ctx = _on(base, add_months(today, -3), c.owner)
    q = _quote(ctx, c, "Inspection agreement", [LineIn(offering="S-INSPAGR", quantity=Decimal(6))])
    q = _approved(ctx, manager, q)
    quotes.send(ctx, q.id)

    # 6. Pending approval: 98.5 % promised (the borderline is 98 %) and 20 % off.
    c = customers[5]
    ctx = _on(base, today - timedelta(days=4), c.owner)
    q = _quote(
        ctx,
        c,
        "Availability contract for the filling line",
        [
            LineIn(
                offering="B-UPTIME",
                quantity=Decimal(2),
                discount_pct=Decimal(20),
                asset_ids=c.asset_ids[:2],
            )
        ],
        clause=UPTIME_CLAUSE | {"target_pct": "98.5"},
    )
    quotes.submit(ctx, q.id)

    # 7. Approved, not sent yet; 8. a draft being written.
    c = customers[6]
    ctx = _on(base, today - timedelta(days=2), c.owner)
    q = _quote(ctx, c, "Preventive maintenance", [LineIn(offering="S-PM", quantity=Decimal(3))])
    _approved(ctx, manager, q)
    c = customers[7]
    ctx = _on(base, today, c.owner)
    _quote(
        ctx,
        c,
        "New centrifugal pump with an energy dashboard",
        [LineIn(offering="M-HP"), LineIn(offering="D-ENERGY")],
    )
    # 9. A budget offer priced by the standard formula: condition monitoring for ten pumps,
    # the indicative range on its page, waiting to become the fixed offer.
    budget = quotes.create_quote(
        ctx,
        QuoteCreate(
            account_id=c.account_id,
            title="Condition monitoring for the pump fleet (budget)",
            kind="budget",
            currency="EUR",
            term_months=36,
        ),
    )
    quotes.add_formula_line(
        ctx,
        budget.id,
        FormulaLineIn(
            offering="D-CM", machines=10, size_class="M", operating_hours_per_year=Decimal(6000)
        ),
    )
    for row in offers_repo.quotes_of(session, limit=1000):
        state = row.status.value
        if row.status in {QuoteStatus.approved, QuoteStatus.sent} and row.valid_until < today:
            state = "expired"  # past its validity: it can no longer be accepted
        states[state] = states.get(state, 0) + 1
    return states


def bill_last_year(
    session: Session, settings: Settings, store: TelemetryStore, today: date
) -> tuple[int, int]:
    """Billing for each of the last twelve finished months, with the demo's telemetry; every
    month but the last closed. (lines, cents billed in EUR)."""
    admin = next((u for u in trust.users_in_order(session) if u.role == "admin"), None)
    if admin is None:
        return 0, 0
    ctx = Context(
        session, admin, settings, datetime(today.year, today.month, today.day, 10, tzinfo=UTC)
    )
    meter = telemetry_meter(session, store, settings.offers.billing_purpose)
    evaluated = availability_settlement(session, store)
    reported = set(store.months("status"))

    def settle(availability_contract_id: int, month: str) -> billing.Settled | None:
        # a month without any status event has no evaluation to settle (too little data): the
        # demo skips the query instead of evaluating nothing, which keeps the build quick
        return evaluated(availability_contract_id, month) if month in reported else None

    lines = cents = 0
    month0 = today.replace(day=1)
    for back in range(12, 0, -1):
        period = add_months(month0, -back).strftime("%Y-%m")
        result = billing.run(ctx, period, meter, settle)
        lines += len(result.written)
        cents += result.total_cents.get("EUR", 0)
        if back > 1:
            billing.close(ctx, period)
    return lines, cents


def demo_offers(
    session: Session, settings: Settings, store: TelemetryStore, today: date
) -> dict[str, object]:
    """Price terms, quotes, contracts and a year of billing; only price terms when quotes exist.
    The bundle goes to the account of the demo availability contract, whose machines report."""
    prices = add_price_terms(session)
    if offers_repo.quotes_of(session, limit=1):
        return {"prices": prices}
    demo = contracts_repo.contract_by_external_id(session, "AV-DEMO-1")
    states = build_quotes(
        session,
        settings,
        today,
        demo.account_id if demo else None,
        list(demo.serials or []) if demo else None,
    )
    lines, cents = bill_last_year(session, settings, store, today) if states else (0, 0)
    return {"prices": prices, "quotes": states, "billing_lines": lines, "billed_cents": cents}


def in_words(result: dict[str, object]) -> str:
    """One line for the demo builder's console."""
    states = result.get("quotes") or {}
    assert isinstance(states, dict)
    quoted = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(states.items()))
    billed = result.get("billed_cents", 0)
    euros = billed / 100 if isinstance(billed, int) else 0.0
    return (
        f"offers: price terms for {result['prices']} catalogue items; quotes: {quoted or 'none'}; "
        f"{result.get('billing_lines', 0)} billing lines over the last 12 months "
        f"({euros:,.2f} EUR)"
    )
