"""A contract's life after acceptance: amend (upgrade or downgrade, prorated by the billing run),
suspend and resume, cancel with notice, renew, index; every change audited and kept as a
``ContractChange``. And the monthly recurring revenue these contracts make, with its movements.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from servitize.core.errors import Conflict, InvalidInput
from servitize.installed_base import repository as ib
from servitize.installed_base.access import get_account, require, visible_account_ids
from servitize.kit.money import Rates
from servitize.kit.money import whole_cents as cents
from servitize.offers import repository as repo
from servitize.offers.billing import contract_year
from servitize.offers.models import Contract, ContractChange, ContractKind, ContractStatus
from servitize.offers.mrr import Movements, movements
from servitize.offers.price_models import Period, indexed_fee
from servitize.offers.proration import add_months, month_span, notice_end
from servitize.trust import audit
from servitize.trust.context import Context

CHANGEABLE = {ContractStatus.active, ContractStatus.suspended}
HISTORY_MONTHS = 12


def visible_contract(ctx: Context, contract_id: int) -> Contract:
    """A contract of an account the user may see; 404 otherwise."""
    contract = repo.contract(ctx.session, contract_id)
    get_account(ctx.session, ctx.user, contract.account_id)
    return contract


def _changeable(ctx: Context, contract_id: int, version: int | None) -> Contract:
    contract = visible_contract(ctx, contract_id)
    require(ctx.user, "contract.change")
    if version is not None and version != contract.version:
        raise Conflict(f"contract {contract.number} changed since you loaded it; reload it")
    if ContractStatus(contract.status) not in CHANGEABLE:
        raise Conflict(
            f"contract {contract.number} is {ContractStatus(contract.status).value}; "
            "it cannot be changed any more"
        )
    return contract


def _record(
    ctx: Context,
    contract: Contract,
    kind: str,
    on: date,
    before: int | None = None,
    after: int | None = None,
    note: str | None = None,
) -> ContractChange:
    change = ContractChange(
        contract_id=contract.id,
        kind=kind,
        effective_on=on,
        fee_before_cents=before,
        fee_after_cents=after,
        note=note,
        by=ctx.actor.name,
        at=ctx.now,
    )
    repo.add(ctx.session, change)
    audit.record(
        ctx.session,
        ctx.actor,
        kind,
        "contract",
        contract.id,
        {"fee_cents": before} if before is not None else None,
        {"fee_cents": after, "effective_on": on.isoformat()},
        note=note,
    )
    return change


COVERING = {ContractKind.service_agreement, ContractKind.availability}


def _cover_machines(ctx: Context, contract: Contract) -> None:
    """The machines of a service agreement or availability contract are covered until the latest
    end of the sold contracts that cover them: a renewal moves it on, a cancellation back."""
    if ContractKind(contract.kind) not in COVERING:
        return
    ids = repo.asset_ids_of(ctx.session, [contract.id])[contract.id]
    for asset in ib.assets_of_account_by_id(ctx.session, contract.account_id, ids):
        ends = [
            c.end_on or c.renewal_on or c.minimum_term_end
            for c in repo.contracts_of_asset(ctx.session, asset.id)
            if ContractKind(c.kind) in COVERING and c.status != ContractStatus.ended
        ]
        if ends:
            asset.contract_end = max(ends)


def _not_before_start(contract: Contract, on: date) -> None:
    if on < contract.start_on:
        raise InvalidInput(
            f"effective_on: {on} lies before the contract's start {contract.start_on}"
        )


def amend(
    ctx: Context,
    contract_id: int,
    fee_cents: int,
    effective_on: date,
    note: str | None = None,
    version: int | None = None,
) -> Contract:
    """Change the fee (per period) from a day on: an upgrade or a downgrade."""
    contract = _changeable(ctx, contract_id, version)
    if fee_cents < 0:
        raise InvalidInput("fee: must not be negative")
    _not_before_start(contract, effective_on)
    before = contract.fee_cents
    if fee_cents == before:
        raise InvalidInput(f"fee: the contract already costs {before / 100:,.2f} a period")
    contract.fee_cents = fee_cents
    _record(ctx, contract, "amend", effective_on, before, fee_cents, note)
    return contract


def index(
    ctx: Context, contract_id: int, pct: Decimal, effective_on: date, version: int | None = None
) -> Contract:
    """Index the fee by a percentage (e.g. a published price index) from a day on."""
    contract = _changeable(ctx, contract_id, version)
    if not Decimal(-50) <= pct <= Decimal(50):
        raise InvalidInput(f"pct: an indexation lies between -50 and 50 % (got {pct})")
    _not_before_start(contract, effective_on)
    before = contract.fee_cents
    contract.fee_cents = cents(Decimal(before) * (1 + pct / 100))
    _record(ctx, contract, "index", effective_on, before, contract.fee_cents, f"indexed {pct} %")
    return contract


def suspend(
    ctx: Context,
    contract_id: int,
    from_day: date,
    note: str | None = None,
    version: int | None = None,
) -> Contract:
    contract = _changeable(ctx, contract_id, version)
    if ContractStatus(contract.status) == ContractStatus.suspended:
        raise Conflict(f"contract {contract.number} is suspended already")
    _not_before_start(contract, from_day)
    contract.status, contract.suspended_from = ContractStatus.suspended, from_day
    _record(ctx, contract, "suspend", from_day, note=note)
    return contract


def resume(
    ctx: Context, contract_id: int, on: date, note: str | None = None, version: int | None = None
) -> Contract:
    contract = _changeable(ctx, contract_id, version)
    if ContractStatus(contract.status) != ContractStatus.suspended:
        raise Conflict(f"contract {contract.number} is not suspended")
    if contract.suspended_from and on < contract.suspended_from:
        raise InvalidInput(f"on: {on} lies before the suspension began ({contract.suspended_from})")
    contract.status, contract.suspended_from = ContractStatus.active, None
    _record(ctx, contract, "resume", on, note=note)
    return contract


def cancel(
    ctx: Context,
    contract_id: int,
    notice_given_on: date,
    note: str | None = None,
    version: int | None = None,
) -> Contract:
    """Give notice: the contract ends after the notice period, never before its minimum term."""
    contract = _changeable(ctx, contract_id, version)
    end = notice_end(notice_given_on, contract.notice_months, contract.minimum_term_end)
    contract.status, contract.end_on, contract.renewal_on = ContractStatus.cancelled, end, None
    _record(ctx, contract, "cancel", end, note=note or f"notice given on {notice_given_on}")
    _cover_machines(ctx, contract)
    return contract


def renew(
    ctx: Context, contract_id: int, months: int, note: str | None = None, version: int | None = None
) -> Contract:
    """Extend the term by a number of months from the current renewal date."""
    contract = _changeable(ctx, contract_id, version)
    if not 1 <= months <= 120:
        raise InvalidInput(f"months: a renewal runs 1 to 120 months (got {months})")
    base = contract.renewal_on or contract.minimum_term_end
    contract.renewal_on = add_months(base, months)
    contract.minimum_term_end = max(contract.minimum_term_end, contract.renewal_on)
    _record(ctx, contract, "renew", base, note=note or f"renewed for {months} months")
    _cover_machines(ctx, contract)
    return contract


def monthly_fee_on(contract: Contract, changes: Sequence[ContractChange], day: date) -> int:
    """The monthly recurring revenue of a contract on a day (0 when not running that day)."""
    if day < contract.start_on or (contract.end_on is not None and day >= contract.end_on):
        return 0
    fee = contract.fee_cents
    amendments = [
        c for c in changes if c.kind in {"amend", "index"} and c.fee_after_cents is not None
    ]
    if amendments:
        fee = amendments[0].fee_before_cents or 0
        for ch in amendments:
            if ch.effective_on <= day:
                fee = ch.fee_after_cents or 0
    paused = False
    for ch in changes:
        if ch.effective_on > day:
            break
        if ch.kind == "suspend":
            paused = True
        elif ch.kind == "resume":
            paused = False
    if paused:
        return 0
    indexed = indexed_fee(fee, Decimal(contract.indexation_pct), contract_year(contract, day))
    return cents(Decimal(indexed) / Period(contract.period).months)


class MrrBridge(list[Movements]):
    """The months of an MRR bridge, and the contracts it leaves out: those in a currency with no
    exchange rate to the company currency (named, never counted as zero or as if in it)."""

    def __init__(self, months: Sequence[Movements], left_out: Sequence[str] = ()) -> None:
        super().__init__(months)
        self.left_out = list(left_out)


def mrr_by_account(
    ctx: Context, contracts: Sequence[Contract], months: list[str]
) -> tuple[dict[str, dict[str, int]], list[str]]:
    """MRR at each month's last day per account, in the company currency, and the numbers of
    the contracts left out for want of a rate.

    Amounts in another currency are converted at one rate for the whole window, the one in force
    on its last day (no later than today): constant currency, so a moving exchange rate never
    shows as expansion or contraction. offers' bridge and kpis' measures read MRR from here.
    """
    company = ctx.settings.company_currency.upper()
    last_day = min(month_span(months[-1]).end - timedelta(days=1), ctx.today)
    foreign = {c.currency.upper() for c in contracts} - {company}
    rates = Rates(ib.load_rates(ctx.session, foreign), company, as_of=last_day)
    changes = repo.changes_of(ctx.session, [c.id for c in contracts])
    mrr: dict[str, dict[str, int]] = {}
    left_out: list[str] = []
    for c in contracts:
        currency = c.currency.upper()
        if currency != company and rates.rate_on(currency, last_day) is None:
            left_out.append(c.number)
            continue
        series = mrr.setdefault(str(c.account_id), {})
        for m in months:
            day = month_span(m).end - timedelta(days=1)
            fee = monthly_fee_on(c, changes.get(c.id, []), day)
            series[m] = series.get(m, 0) + (rates.convert(fee, currency, last_day) or 0)
    return mrr, sorted(left_out)


def mrr_movements(ctx: Context, months: list[str]) -> MrrBridge:
    """MRR at each month's last day per account the user may see, and its movements, in the
    company currency (``mrr_by_account``)."""
    for m in months:
        month_span(m)
    if not months:
        return MrrBridge([])
    last = month_span(months[-1])
    scope = visible_account_ids(ctx.user)
    # A year of history before the first month tells a reactivation from a new customer.
    history = [months[0]]
    for _ in range(HISTORY_MONTHS):
        history.insert(0, _previous(history[0]))
    window = [*history[:-1], *months]
    contracts = repo.contracts_running(ctx.session, month_span(window[0]).start, last.end, scope)
    mrr, left_out = mrr_by_account(ctx, contracts, window)
    return MrrBridge(movements(mrr, window)[HISTORY_MONTHS:], left_out)


def _previous(month: str) -> str:
    span = month_span(month)
    prev = span.start - timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"
