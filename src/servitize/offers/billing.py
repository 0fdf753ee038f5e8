"""The billing run: for one finished month, the lines every contract owes, each with its evidence.

- **Fees**: a recurring fee is billed monthly in arrears, its month's share (a yearly fee a
  twelfth), indexed once per contract year, prorated by the days the contract was active and
  not suspended; a change of fee in the month splits it into the days before and after.
- **Usage**: a usage contract's metered quantity (operating hours of its machines, from
  telemetry) rated by its tiers; without a ``billing`` agreement of the customer the line says
  "not billable: no agreement" and carries nothing — never a silent zero.
- **Settlements**: an availability contract's penalty or bonus for the month, from its evaluation.
- **One-time items**: the one-time lines of quotes accepted in the month.

Idempotent: each line has a key (contract, month, what); a re-run writes only what is missing,
so it changes nothing when nothing changed. A closed month is locked: a correction is a new line
in an open month. An open or future month cannot be billed.

Set-based: a run reads the month's contracts, their changes, machines and the keys already
written in a few bulk queries (plain rows, ``BilledContract``, not one ORM object per contract),
computes each contract's lines with the pure rules below, and writes the new lines in one go
(``billing_repository``). The meter reads every usage contract's machines in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from servitize.core.errors import Conflict, InvalidInput
from servitize.installed_base.access import require
from servitize.kit.money import from_cents
from servitize.kit.money import whole_cents as cents
from servitize.offers import billing_repository as bills
from servitize.offers import repository as repo
from servitize.offers import rules
from servitize.offers.acceptance import line_one_time
from servitize.offers.models import (
    BillingLine,
    BillingPeriod,
    Contract,
    ContractKind,
)
from servitize.offers.price_models import Period, RevenueModel, Usage, indexed_fee
from servitize.offers.proration import Span, month_span
from servitize.trust import audit
from servitize.trust.context import Context


class ContractChangeLike(Protocol):
    """What the fee rules read of a contract change (a ``ContractChange`` or a ``Change``)."""

    @property
    def kind(self) -> str: ...
    @property
    def effective_on(self) -> date: ...
    @property
    def fee_before_cents(self) -> int | None: ...
    @property
    def fee_after_cents(self) -> int | None: ...


class Change(NamedTuple):
    """A contract change as a run reads it: one plain row."""

    kind: str
    effective_on: date
    fee_before_cents: int | None
    fee_after_cents: int | None


@dataclass(slots=True)
class BilledContract:
    """A contract as a run reads it: the fields the rules and the readers need, one plain row
    (terms only for usage contracts, the only ones whose terms a run reads)."""

    id: int
    number: str
    account_id: int
    kind: str
    name: str
    currency: str
    fee_cents: int
    period: str
    start_on: date
    end_on: date | None
    indexation_pct: Decimal
    availability_contract_id: int | None
    terms: dict[str, Any] = field(default_factory=dict)


# What a run hands the rules and the readers: a plain row in a run, a record anywhere else.
Billed = BilledContract | Contract


@dataclass(frozen=True)
class Metered:
    """What a meter reader found for a contract's machines in a month."""

    quantity: Decimal | None  # None: nothing could be read
    consented: bool
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Settled:
    """An availability contract's settlement for a month (negative: penalty)."""

    amount_cents: int
    band: str
    evidence: dict[str, Any]


# The edges hand these in: telemetry-backed readers in production, plain functions in tests.
MeterReader = Callable[[Billed, list[int], Span], Metered]
SettlementReader = Callable[[int, str], Settled | None]


@dataclass(slots=True)
class NewLine:
    """A billing line as a run makes it: the fields of a ``BillingLine`` (its id once written),
    without an ORM object per line (a run over many contracts writes them in one go)."""

    key: str
    period: str
    account_id: int
    contract_id: int | None
    quote_id: int | None
    kind: str
    description: str
    quantity: Decimal | None
    amount_cents: int
    currency: str
    billable: bool
    evidence: dict[str, Any] | None
    created_at: datetime
    id: int | None = None

    def record(self) -> BillingLine:
        """The line as a record to add to a session."""
        return BillingLine(**{f: getattr(self, f) for f in repo.LINE_COLUMNS})


@dataclass
class RunResult:
    """What one run wrote (and what it found already written)."""

    period: str
    written: list[NewLine] = field(default_factory=list)
    already: int = 0
    contracts: int = 0

    @property
    def total_cents(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.written:
            if line.billable:
                out[line.currency] = out.get(line.currency, 0) + line.amount_cents
        return out


def check_billable_month(period: str, today: date) -> Span:
    """The month as a span; refuses a month that has not ended yet."""
    span = month_span(period)
    if span.end > today:
        raise Conflict(
            f"period: {period} has not ended yet (it ends on {span.end - timedelta(days=1)}); "
            "bill a month once it is over"
        )
    return span


def active_spans(
    contract: Billed, changes: Sequence[ContractChangeLike], month: Span
) -> list[Span]:
    """The days of the month the contract ran and was not suspended."""
    start = max(contract.start_on, month.start)
    end = min(contract.end_on or month.end, month.end)
    if end <= start:
        return []
    spans = [Span(start, end)]
    if not changes:  # most contracts: the whole span, nothing to cut
        return spans
    suspended_from: date | None = None
    pauses: list[Span] = []
    for ch in changes:
        if ch.kind == "suspend":
            suspended_from = ch.effective_on
        elif ch.kind == "resume" and suspended_from is not None:
            pauses.append(Span(suspended_from, max(ch.effective_on, suspended_from)))
            suspended_from = None
    if suspended_from is not None:
        pauses.append(Span(suspended_from, max(month.end, suspended_from)))
    for pause in pauses:
        cut: list[Span] = []
        for s in spans:
            if pause.end <= s.start or pause.start >= s.end:
                cut.append(s)
                continue
            if s.start < pause.start:
                cut.append(Span(s.start, pause.start))
            if pause.end < s.end:
                cut.append(Span(pause.end, s.end))
        spans = cut
    return [s for s in spans if s.days > 0]


def fee_segments(
    contract: Billed, changes: Sequence[ContractChangeLike], span: Span
) -> list[tuple[Span, int]]:
    """The fee (per period) in force over parts of a span, from the contract's amendments."""
    if not changes:  # most contracts: one fee over the whole span
        return [(span, contract.fee_cents)] if span.days > 0 else []
    amendments = [
        c for c in changes if c.kind in {"amend", "index"} and c.fee_after_cents is not None
    ]
    fee = amendments[0].fee_before_cents if amendments else contract.fee_cents
    if fee is None:
        fee = contract.fee_cents
    out: list[tuple[Span, int]] = []
    cursor = span.start
    for ch in amendments:
        if ch.effective_on <= span.start:
            fee = ch.fee_after_cents or 0
            continue
        if ch.effective_on >= span.end:
            break
        out.append((Span(cursor, ch.effective_on), fee))
        cursor, fee = ch.effective_on, ch.fee_after_cents or 0
    out.append((Span(cursor, span.end), fee))
    return [(s, f) for s, f in out if s.days > 0]


def _divide(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even, in integers (denominator > 0)."""
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2):
        q += 1
    return q


def contract_year(contract: Billed, day: date) -> int:
    """Full contract years between the start and ``day`` (0 in the first year)."""
    years = day.year - contract.start_on.year
    if (day.month, day.day) < (contract.start_on.month, contract.start_on.day):
        years -= 1
    return max(years, 0)


def _line(
    ctx: Context,
    contract: Billed | None,
    period: str,
    key: str,
    kind: str,
    description: str,
    amount_cents: int,
    currency: str,
    account_id: int,
    evidence: dict[str, Any],
    quantity: Decimal | None = None,
    billable: bool = True,
    quote_id: int | None = None,
) -> NewLine:
    return NewLine(
        key=key,
        period=period,
        account_id=account_id,
        contract_id=contract.id if contract else None,
        quote_id=quote_id,
        kind=kind,
        description=description[:300],
        quantity=quantity,
        amount_cents=amount_cents,
        currency=currency,
        billable=billable,
        evidence=evidence,
        created_at=ctx.now,
    )


@lru_cache(maxsize=4096)
def _day(day: date, with_year: bool) -> str:
    return day.strftime("%d %b %Y" if with_year else "%d %b")


@lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    return day.isoformat()


@lru_cache(maxsize=8)
def _months(period: str) -> int:
    return Period(period).months


def contract_lines(
    ctx: Context,
    contract: Billed,
    changes: Sequence[ContractChangeLike],
    asset_ids: list[int],
    period: str,
    month: Span,
    meter: MeterReader,
    settle: SettlementReader,
) -> list[NewLine]:
    """Every line one contract owes for one month (pure but for the two readers)."""
    out: list[NewLine] = []
    spans = active_spans(contract, changes, month)
    if contract.kind != ContractKind.usage and contract.fee_cents:
        for span in spans:
            for part, fee in fee_segments(contract, changes, span):
                years = contract_year(contract, part.start)
                pct = contract.indexation_pct
                indexed = indexed_fee(fee, Decimal(pct), years) if years and pct else fee
                # whole cents: exact integer division rounded half to even (as ``cents``)
                monthly = _divide(indexed, _months(contract.period))
                amount = _divide(monthly * part.days, month.days)
                out.append(
                    _line(
                        ctx,
                        contract,
                        period,
                        f"{contract.id}:{period}:fee:{_iso(part.start)}",
                        "fee",
                        f"{contract.name} ({contract.number}) {_day(part.start, False)}–"
                        f"{_day(part.end - timedelta(days=1), True)}",
                        amount,
                        contract.currency,
                        contract.account_id,
                        {
                            "fee_per_period_cents": indexed,
                            "period": str(contract.period),
                            "contract_year": years + 1,
                            "days": part.days,
                            "days_in_month": month.days,
                        },
                    )
                )
    if contract.kind == ContractKind.usage and spans:
        model = rules.price_model(RevenueModel.usage, 0, contract.terms or {})
        assert isinstance(model, Usage)
        reading = meter(contract, asset_ids, month)
        key = f"{contract.id}:{period}:usage"
        if not reading.consented:
            out.append(
                _line(
                    ctx,
                    contract,
                    period,
                    key,
                    "usage",
                    f"{contract.name}: not billable: no agreement to bill usage",
                    0,
                    contract.currency,
                    contract.account_id,
                    reading.evidence,
                    reading.quantity,
                    billable=False,
                )
            )
        elif reading.quantity is not None:
            factor = Decimal(str((contract.terms or {}).get("discount_factor", "1")))
            amount = cents(model.rate(reading.quantity) * factor)
            out.append(
                _line(
                    ctx,
                    contract,
                    period,
                    key,
                    "usage",
                    f"{contract.name}: {reading.quantity:g} {model.metric}",
                    amount,
                    contract.currency,
                    contract.account_id,
                    reading.evidence,
                    reading.quantity,
                )
            )
    if contract.availability_contract_id is not None and spans:
        settled = settle(contract.availability_contract_id, period)
        if settled is not None and settled.amount_cents:
            kind = "bonus" if settled.amount_cents > 0 else "penalty"
            out.append(
                _line(
                    ctx,
                    contract,
                    period,
                    f"{contract.id}:{period}:{kind}",
                    kind,
                    f"{contract.name}: availability {kind} ({settled.band.replace('_', ' ')})",
                    settled.amount_cents,
                    contract.currency,
                    contract.account_id,
                    settled.evidence,
                )
            )
    return out


def run(
    ctx: Context,
    period: str,
    meter: MeterReader,
    settle: SettlementReader,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Bill one finished month; a re-run writes only what is missing. ``progress(done, total)``
    hears how many contracts are done."""
    require(ctx.user, "billing.run")
    month = check_billable_month(period, ctx.today)
    state = repo.billing_period(ctx.session, period, for_update=True)
    if state is not None and state.closed:
        raise Conflict(f"period: {period} is closed; a correction is a new line in an open month")
    if state is None:
        state = BillingPeriod(period=period, closed=False)
        repo.add(ctx.session, state)
    have = repo.existing_keys(ctx.session, period)
    result = RunResult(period)
    contracts = month_contracts(ctx, month)
    result.contracts = len(contracts)
    changes = month_changes(ctx, month)
    assets: dict[int, list[int]] = {}
    for cid, aid in bills.machine_rows(ctx.session, month.start, month.end):
        assets.setdefault(cid, []).append(aid)
    new: list[NewLine] = []
    none: list[Change] = []
    total = len(contracts)
    for done, contract in enumerate(contracts, 1):
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(done, total)
        for line in contract_lines(
            ctx,
            contract,
            changes.get(contract.id, none),
            assets.get(contract.id, []),
            period,
            month,
            meter,
            settle,
        ):
            if line.key in have:
                result.already += 1
            else:
                have.add(line.key)
                new.append(line)
    for quote, ln in repo.accepted_one_time_lines(ctx.session, month.start, month.end):
        key = f"q{quote.id}:l{ln.id}:one_time"
        if key in have:
            result.already += 1
            continue
        if rules.contract_kind(ln.model, "") is not None and not (ln.terms or {}).get(
            "per_project"
        ):
            continue
        have.add(key)
        new.append(
            _line(
                ctx,
                None,
                period,
                key,
                "one_time",
                f"{ln.name} ({quote.number})",
                line_one_time(quote, ln),
                quote.currency,
                quote.account_id,
                {"quote": quote.number, "revision": quote.revision, "quantity": str(ln.quantity)},
                Decimal(ln.quantity),
                quote_id=quote.id,
            )
        )
    bills.insert_lines(ctx.session, new)
    result.written = new
    state.last_run_at = ctx.now
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "billing_run",
        "billing_period",
        None,
        after={"period": period, "written": len(new), "already": result.already},
    )
    return result


def month_contracts(ctx: Context, month: Span) -> list[BilledContract]:
    """The contracts active in the month, as plain rows, with the terms of the usage ones."""
    terms = bills.usage_terms(ctx.session, month.start, month.end)
    return [
        BilledContract(*row, terms=terms.get(row[0], {}))  # type: ignore[misc]
        for row in bills.contract_rows(ctx.session, month.start, month.end)
    ]


def month_changes(ctx: Context, month: Span) -> dict[int, list[Change]]:
    """The changes of the month's contracts, per contract, oldest first."""
    out: dict[int, list[Change]] = {}
    for cid, kind, on, before, after in bills.change_rows(ctx.session, month.start, month.end):
        out.setdefault(cid, []).append(Change(kind, on, before, after))
    return out


def close(ctx: Context, period: str) -> BillingPeriod:
    """Lock a billed month: its lines never change again."""
    require(ctx.user, "billing.run")
    check_billable_month(period, ctx.today)
    state = repo.billing_period(ctx.session, period, for_update=True)
    if state is None or state.last_run_at is None:
        raise Conflict(f"period: {period} has not been billed yet; run billing first")
    if state.closed:
        raise Conflict(f"period: {period} is already closed")
    state.closed, state.closed_at, state.closed_by = True, ctx.now, ctx.actor.name
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "close", "billing_period", None, after={"period": period})
    return state


def correct(ctx: Context, line_id: int, amount_cents: int, reason: str, period: str) -> BillingLine:
    """A correction of a line of a closed month, as a new line in an open month."""
    require(ctx.user, "billing.run")
    if not reason.strip():
        raise InvalidInput("reason: a correction says why")
    original = repo.billing_line(ctx.session, line_id)
    target = repo.billing_period(ctx.session, period)
    if target is not None and target.closed:
        raise Conflict(f"period: {period} is closed; correct in an open month")
    month_span(period)
    n = repo.corrections_of(ctx.session, line_id) + 1
    line = _line(
        ctx,
        None,
        period,
        f"correction:{line_id}:{n}",
        "correction",
        f"correction of {original.period} line {line_id}: {reason.strip()}",
        amount_cents,
        original.currency,
        original.account_id,
        {"corrects": line_id, "reason": reason.strip()},
    )
    line.contract_id = original.contract_id
    record = line.record()
    repo.add(ctx.session, record)
    audit.record(
        ctx.session,
        ctx.actor,
        "correct",
        "billing_line",
        record.id,
        after={"amount_cents": amount_cents},
    )
    return record


# The columns of a billing line in every file for the ERP (API CSV, CLI CSV and Parquet).
LINE_COLUMNS = (
    "id",
    "period",
    "account_id",
    "contract_id",
    "quote_id",
    "kind",
    "description",
    "quantity",
    "amount",
    "currency",
    "billable",
)


def line_row(line: BillingLine) -> dict[str, Any]:
    """A billing line as a row of those columns (amounts as text with two decimals)."""
    return {
        "id": line.id,
        "period": line.period,
        "account_id": line.account_id,
        "contract_id": line.contract_id,
        "quote_id": line.quote_id,
        "kind": line.kind,
        "description": line.description,
        "quantity": None if line.quantity is None else str(Decimal(line.quantity).normalize()),
        "amount": str(from_cents(line.amount_cents)),
        "currency": line.currency,
        "billable": line.billable,
    }
