"""REST routes of offers under /api/v1: quotes, contracts, MRR, billing runs and billing lines."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from servitize.core.cells import safe_row
from servitize.core.dates import SaneDate
from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.installed_base.access import visible_account_ids
from servitize.kit.money import from_cents
from servitize.offers import acceptance, billing, lifecycle, quotes
from servitize.offers import repository as repo
from servitize.offers.metering import availability_settlement, telemetry_meter
from servitize.offers.models import BillingLine, Contract, QuoteStatus
from servitize.offers.proration import month_span
from servitize.offers.schemas import (
    Acceptance,
    Decision,
    FormulaIn,
    FormulaLineIn,
    LineIn,
    MrrMonth,
    QuoteCreate,
    QuoteRead,
)
from servitize.telemetry.store import TelemetryStore
from servitize.trust.http import RequestContext

router = APIRouter(tags=["offers, contracts and billing"])

Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


@router.get("/quotes", response_model=list[QuoteRead])
def list_quotes(
    ctx: RequestContext,
    status: QuoteStatus | None = None,
    opportunity_id: Id | None = None,
) -> list[QuoteRead]:
    """Quotes of the accounts the user may see, newest first."""
    found = quotes.listing(
        ctx, status=status.value if status else None, opportunity_id=opportunity_id
    )
    return [quotes.read(ctx, q) for q in found]


@router.post("/quotes", response_model=QuoteRead, status_code=201)
def create_quote(data: QuoteCreate, ctx: RequestContext) -> QuoteRead:
    """A draft quote for an account (from one of its opportunities, if given)."""
    return quotes.read(ctx, quotes.create_quote(ctx, data))


@router.get("/quotes/{quote_id}", response_model=QuoteRead)
def get_quote(quote_id: Id, ctx: RequestContext) -> QuoteRead:
    return quotes.read(ctx, quotes.visible_quote(ctx, quote_id))


class LineAdd(LineIn):
    version: int | None = Field(default=None, ge=1)


@router.post("/quotes/{quote_id}/lines", response_model=QuoteRead, status_code=201)
def add_line(quote_id: Id, data: LineAdd, ctx: RequestContext) -> QuoteRead:
    """Add a catalogue item (with quantity, discount, bundle, covered machines)."""
    line = LineIn(**data.model_dump(exclude={"version"}))
    return quotes.read(ctx, quotes.add_line(ctx, quote_id, line, data.version))


class FormulaPrice(BaseModel):
    """A standard formula's answer: the budget range and the fixed monthly price, with its steps."""

    offering: str
    currency: str
    budget_low: Decimal
    budget_high: Decimal
    budget_spread_pct: Decimal
    fixed_monthly: Decimal
    budget: str
    steps: str


@router.post("/quotes/{quote_id}/formula", response_model=FormulaPrice)
def formula_price(quote_id: Id, data: FormulaIn, ctx: RequestContext) -> FormulaPrice:
    """The budget price of a catalogue item with a standard formula, for the quote's currency
    (nothing is written): an indicative range, and the fixed price the formula computes."""
    offer = quotes.price_by_formula(ctx, quote_id, data)
    e = offer.evidence
    return FormulaPrice(
        offering=offer.offering,
        currency=offer.currency,
        budget_low=from_cents(e["budget_low_cents"]),
        budget_high=from_cents(e["budget_high_cents"]),
        budget_spread_pct=Decimal(e["budget_spread_pct"]),
        fixed_monthly=from_cents(e["monthly_cents"]),
        budget=offer.budget,
        steps=offer.steps,
    )


class FormulaLineAdd(FormulaLineIn):
    version: int | None = Field(default=None, ge=1)


@router.post("/quotes/{quote_id}/formula/lines", response_model=QuoteRead, status_code=201)
def add_formula_line(quote_id: Id, data: FormulaLineAdd, ctx: RequestContext) -> QuoteRead:
    """Add a line at the price the formula computes from its parameters (the fixed offer)."""
    line = FormulaLineIn(**data.model_dump(exclude={"version"}))
    return quotes.read(ctx, quotes.add_formula_line(ctx, quote_id, line, data.version))


@router.delete("/quotes/{quote_id}/lines/{line_id}", response_model=QuoteRead)
def remove_line(quote_id: Id, line_id: Id, ctx: RequestContext) -> QuoteRead:
    return quotes.read(ctx, quotes.remove_line(ctx, quote_id, line_id))


@router.post("/quotes/{quote_id}/submit", response_model=QuoteRead)
def submit(quote_id: Id, data: Decision, ctx: RequestContext) -> QuoteRead:
    """Approved at once when nothing needs a manager; else pending, with every reason."""
    return quotes.read(ctx, quotes.submit(ctx, quote_id, data.version))


@router.post("/quotes/{quote_id}/approve", response_model=QuoteRead)
def approve(quote_id: Id, data: Decision, ctx: RequestContext) -> QuoteRead:
    """A manager approves; terms outside the borderline need ``reason``."""
    return quotes.read(ctx, quotes.approve(ctx, quote_id, data.reason, data.version))


class Sent(BaseModel):
    quote: QuoteRead
    accept_url: str  # shown once: the customer's signed link


@router.post("/quotes/{quote_id}/send", response_model=Sent)
def send(quote_id: Id, data: Decision, ctx: RequestContext) -> Sent:
    quote, token = quotes.send(ctx, quote_id, data.version)
    return Sent(quote=quotes.read(ctx, quote), accept_url=f"/q/{token}")


@router.post("/quotes/{quote_id}/revise", response_model=QuoteRead, status_code=201)
def revise(quote_id: Id, data: Decision, ctx: RequestContext) -> QuoteRead:
    return quotes.read(ctx, quotes.revise(ctx, quote_id, data.version))


class DiffLine(BaseModel):
    what: str  # added, removed, changed
    part: str  # line, total, term
    line: str  # the line, total or term
    before: str
    after: str
    detail: str  # "before → after" when both are there


@router.get("/quotes/{quote_id}/diff/{other_id}", response_model=list[DiffLine])
def diff(quote_id: Id, other_id: Id, ctx: RequestContext) -> list[DiffLine]:
    """What changed from this revision to another: lines, totals and terms."""
    return [
        DiffLine(
            what=c.what, part=c.part, line=c.item, before=c.before, after=c.after, detail=c.detail
        )
        for c in quotes.diff(ctx, quote_id, other_id).changes
    ]


class ContractRead(BaseModel):
    id: int
    number: str
    account_id: int
    quote_id: int | None
    kind: str
    name: str
    status: str
    currency: str
    fee: Decimal
    period: str
    start_on: date
    minimum_term_end: date
    end_on: date | None
    renewal_on: date | None
    notice_months: int
    indexation_pct: Decimal
    availability_contract_id: int | None
    asset_ids: list[int]
    version: int


def contract_read(c: Contract, asset_ids: list[int]) -> ContractRead:
    return ContractRead(
        id=c.id,
        number=c.number,
        account_id=c.account_id,
        quote_id=c.quote_id,
        kind=str(c.kind),
        name=c.name,
        status=str(c.status),
        currency=c.currency,
        fee=from_cents(c.fee_cents),
        period=str(c.period),
        start_on=c.start_on,
        minimum_term_end=c.minimum_term_end,
        end_on=c.end_on,
        renewal_on=c.renewal_on,
        notice_months=c.notice_months,
        indexation_pct=Decimal(c.indexation_pct).normalize(),
        availability_contract_id=c.availability_contract_id,
        asset_ids=asset_ids,
        version=c.version,
    )


class Accepted(BaseModel):
    quote: QuoteRead
    orders: list[int]
    contracts: list[ContractRead]
    availability_contract_id: int | None
    renewal_opportunity_id: int | None


@router.post("/quotes/{quote_id}/accept", response_model=Accepted)
def accept(quote_id: Id, data: Acceptance, ctx: RequestContext) -> Accepted:
    """Record the customer's acceptance: creates orders, contracts and coverage."""
    done = acceptance.accept(ctx, quote_id, data.name, data.version)
    assets = repo.asset_ids_of(ctx.session, [c.id for c in done.contracts])
    return Accepted(
        quote=quotes.read(ctx, done.quote),
        orders=done.orders,
        contracts=[contract_read(c, assets[c.id]) for c in done.contracts],
        availability_contract_id=done.availability_contract_id,
        renewal_opportunity_id=done.renewal_opportunity_id,
    )


@router.get("/contracts", response_model=list[ContractRead])
def list_contracts(ctx: RequestContext, account_id: Id | None = None) -> list[ContractRead]:
    """Contracts sold through quotes, of the accounts the user may see."""
    rows = repo.contracts_of(ctx.session, visible_account_ids(ctx.user))
    if account_id is not None:
        rows = [c for c in rows if c.account_id == account_id]
    assets = repo.asset_ids_of(ctx.session, [c.id for c in rows])
    return [contract_read(c, assets[c.id]) for c in rows]


class ContractChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["amend", "index", "suspend", "resume", "cancel", "renew"]
    on: SaneDate
    fee: Decimal | None = Field(default=None, ge=0, le=10**12, decimal_places=2)
    pct: Decimal | None = Field(default=None, ge=-50, le=50)
    months: int | None = Field(default=None, ge=1, le=120)
    note: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, ge=1)


@router.post("/contracts/{contract_id}/changes", response_model=ContractRead)
def change_contract(contract_id: Id, data: ContractChangeIn, ctx: RequestContext) -> ContractRead:
    """Amend (``fee``), index (``pct``), suspend, resume, cancel (notice given ``on``) or renew
    (``months``) a contract."""
    v, note = data.version, data.note
    if data.action == "amend":
        if data.fee is None:
            raise InvalidInput("fee: an amendment names the new fee per period")
        c = lifecycle.amend(ctx, contract_id, int(data.fee * 100), data.on, note, v)
    elif data.action == "index":
        if data.pct is None:
            raise InvalidInput("pct: an indexation names its percentage")
        c = lifecycle.index(ctx, contract_id, data.pct, data.on, v)
    elif data.action == "suspend":
        c = lifecycle.suspend(ctx, contract_id, data.on, note, v)
    elif data.action == "resume":
        c = lifecycle.resume(ctx, contract_id, data.on, note, v)
    elif data.action == "cancel":
        c = lifecycle.cancel(ctx, contract_id, data.on, note, v)
    else:
        c = lifecycle.renew(ctx, contract_id, data.months or 12, note, v)
    return contract_read(c, repo.asset_ids_of(ctx.session, [c.id])[c.id])


@router.get("/mrr", response_model=list[MrrMonth])
def mrr(ctx: RequestContext, start: Month, end: Month) -> list[MrrMonth]:
    """Monthly recurring revenue and its movements, month by month (at most 36 months)."""
    months, cursor = [], month_span(start)
    last = month_span(end)
    while cursor.start <= last.start:
        months.append(f"{cursor.start:%Y-%m}")
        cursor = month_span(f"{cursor.end:%Y-%m}")
        if len(months) > 36:
            raise InvalidInput("end: at most 36 months at once")
    if not months:
        raise InvalidInput("end: lies before start")
    return [MrrMonth.of(m) for m in lifecycle.mrr_movements(ctx, months)]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class BillingLineRead(BaseModel):
    id: int
    period: str
    account_id: int
    contract_id: int | None
    quote_id: int | None
    kind: str
    description: str
    quantity: Decimal | None
    amount: Decimal
    currency: str
    billable: bool
    evidence: dict[str, Any] | None


def line_read(ln: BillingLine) -> BillingLineRead:
    return BillingLineRead(
        id=ln.id,
        period=ln.period,
        account_id=ln.account_id,
        contract_id=ln.contract_id,
        quote_id=ln.quote_id,
        kind=ln.kind,
        description=ln.description,
        quantity=None if ln.quantity is None else Decimal(ln.quantity).normalize(),
        amount=from_cents(ln.amount_cents),
        currency=ln.currency,
        billable=ln.billable,
        evidence=ln.evidence,
    )


class RunRead(BaseModel):
    period: str
    contracts: int
    written: int
    already: int
    total: dict[str, Decimal]


@router.post("/billing/runs", response_model=RunRead)
def run_billing(data: RunIn, ctx: RequestContext) -> RunRead:
    """Bill a finished month; a re-run writes only what is missing."""
    store = TelemetryStore(ctx.settings.telemetry_dir)
    purpose = ctx.settings.offers.billing_purpose
    result = billing.run(
        ctx,
        data.period,
        telemetry_meter(ctx.session, store, purpose),
        availability_settlement(ctx.session, store),
    )
    return RunRead(
        period=result.period,
        contracts=result.contracts,
        written=len(result.written),
        already=result.already,
        total={k: from_cents(v) for k, v in result.total_cents.items()},
    )


@router.post("/billing/periods/{period}/close", response_model=RunIn)
def close_period(period: str, ctx: RequestContext) -> RunIn:
    """Lock a billed month."""
    month_span(period)
    billing.close(ctx, period)
    return RunIn(period=period)


@router.get("/billing-lines", response_model=list[BillingLineRead])
def billing_lines(
    ctx: RequestContext,
    period: Month | None = None,
    contract_id: Id | None = None,
    format: Literal["json", "csv"] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    """Billing lines for the ERP (of the accounts the user may see); ``format=csv`` for a file."""
    rows = repo.billing_lines_visible(
        ctx.session, visible_account_ids(ctx.user), period, contract_id, limit, offset
    )
    if format == "json":
        return [line_read(r) for r in rows]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(billing.LINE_COLUMNS)
    for r in rows:
        row = billing.line_row(r)
        writer.writerow(safe_row([row[c] for c in billing.LINE_COLUMNS]))
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="billing-{period or "all"}.csv"'},
    )
