"""HTML pages of what was sold: the sold contracts (list and one contract with its life's changes
as forms), billing by month (run, close, the lines with their evidence) and MRR with its
movements; and the panel of an account's contracts on the account 360.

The sold contracts live under ``/sold-contracts``: ``/contracts`` is the availability contracts'
page of the contracts capability. Everything is limited to the accounts the user may see
(``installed_base.access``); a change asks ``contract.change``, a billing run ``billing.run``:
a role without it sees no button and gets 403 on a post. Bad input shows its reason on the page
(``kit.forms``), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.contracts.clauses import clause_from
from servitize.contracts.repository import contract_by_id as availability_contract
from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base import repository as ib
from servitize.installed_base.access import get_account, may, require, visible_account_ids
from servitize.kit.export import EXPORT_MAX_ROWS, Table, amount, respond
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kit.htmx import is_htmx
from servitize.kit.listing import Col, Listing
from servitize.kit.money import from_cents
from servitize.kit.money import whole_cents as cents
from servitize.kit.pagination import PageParams, Pages, pages_of
from servitize.kit.sorting import Sort
from servitize.offers import billing, lifecycle
from servitize.offers import contract_queries as cq
from servitize.offers import repository as repo
from servitize.offers.metering import availability_settlement, telemetry_meter
from servitize.offers.models import BillingLine, Contract, ContractKind, ContractStatus
from servitize.offers.mrr_chart import waterfall
from servitize.offers.pdf import money
from servitize.offers.proration import amend as prorate_amendment
from servitize.offers.proration import month_span
from servitize.telemetry.api import store_of
from servitize.trust.context import Context
from servitize.trust.http import RequestContext, require_role
from servitize.trust.lists import list_links
from servitize.trust.models import Role

router = APIRouter(include_in_schema=False)

# Who reads contracts, billing and MRR (money): not technicians; rows limited by account access.
READERS = (Role.admin, Role.analyst, Role.sales_manager, Role.service_manager, Role.account_owner)
ACTIONS = ("amend", "index", "suspend", "resume", "cancel", "renew")
PER_PAGE = 25
LINES_PER_PAGE = 50
CSV_LINES = 100_000  # the API's largest page of billing lines
MRR_MONTHS = 12
MonthText = Annotated[str, Query(max_length=7)]
Short = Annotated[str, Query(max_length=40)]
MonthPath = Annotated[str, Path(max_length=7)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str, Form(max_length=2000)]


def _cents(amount_cents: int, currency: str) -> str:
    return money(from_cents(amount_cents), currency)


def _months_between(start: date, end: date) -> int:
    return max((end.year - start.year) * 12 + end.month - start.month, 0)


def fee_words(c: Contract) -> str:
    """The contract's price as the customer reads it: "60.00 EUR / month, 36 months"."""
    end = c.end_on or c.renewal_on or c.minimum_term_end
    term = f"{_months_between(c.start_on, end)} months"
    if c.kind == ContractKind.usage:
        return f"by metered use, {term}"
    return f"{_cents(c.fee_cents, c.currency)} / {c.period.value}, {term}"


def _month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def _previous_month(month: str) -> str:
    return _month_of(month_span(month).start - timedelta(days=1))


def _pages(base: str, query: dict[str, Any], page: int, size: int, total: int) -> Pages:
    params = PageParams(page, size)
    return pages_of(base, query, params, max(min(size, total - params.offset), 0), total)


def _readers(ctx: Context) -> None:
    require_role(ctx.user, *READERS)


def _rows(ctx: Context, contracts: list[Contract]) -> list[dict[str, Any]]:
    """What the lists show of each contract: words, MRR today, account name."""
    changes = repo.changes_of(ctx.session, [c.id for c in contracts])
    names = ib.account_names(ctx.session, {c.account_id for c in contracts})
    return [
        {
            "c": c,
            "account": names.get(c.account_id, str(c.account_id)),
            "fee": fee_words(c),
            "mrr": _cents(
                lifecycle.monthly_fee_on(c, changes.get(c.id, []), ctx.today), c.currency
            ),
        }
        for c in contracts
    ]


# ---------------------------------------------------------------- the list


@router.get("/sold-contracts", response_class=HTMLResponse)
def contracts_page(
    request: Request,
    ctx: RequestContext,
    kind: Short = "",
    state: Short = "",
    account_id: Id | None = None,
    page: PageNo = 1,
    sort: Short = "",
) -> HTMLResponse:
    """The sold contracts the user may see, by kind, state and account, sorted by a column, a
    page at a time."""
    _readers(ctx)
    kind = kind if kind in ContractKind.__members__ else ""
    state = state if state in ContractStatus.__members__ else ""
    account = get_account(ctx.session, ctx.user, account_id) if account_id else None
    order = cq.CONTRACT_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    rows, total = cq.contracts_page(
        ctx.session,
        visible_account_ids(ctx.user),
        PageParams(page, PER_PAGE),
        kind or None,
        state or None,
        account_id,
        order,
    )
    shown = list_links(
        ctx,
        "/sold-contracts",
        {"kind": kind, "state": state, "account_id": account_id},
        order,
        cq.CONTRACT_SORTS,
    )
    query = shown.params
    return render(
        request,
        "offers/contracts.html",
        {
            "rows": _rows(ctx, rows),
            "kinds": [k.value for k in ContractKind],
            "states": [s.value for s in ContractStatus],
            "kind": kind,
            "state": state,
            "account": account,
            "pager": _pages("/sold-contracts", query, page, PER_PAGE, total),
            "list": shown,
        },
    )


@router.get("/sold-contracts.{fmt}")
def contracts_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    kind: Short = "",
    state: Short = "",
    account_id: Id | None = None,
    sort: Short = "",
) -> Response:
    """The sold contracts list as CSV or XLSX: every page of it, so filtered and sorted; fee
    and MRR today as the page's amounts with their currency."""
    _readers(ctx)
    kind = kind if kind in ContractKind.__members__ else ""
    state = state if state in ContractStatus.__members__ else ""
    if account_id:
        get_account(ctx.session, ctx.user, account_id)
    found, total = cq.contracts_page(
        ctx.session,
        visible_account_ids(ctx.user),
        PageParams(1, EXPORT_MAX_ROWS),
        kind or None,
        state or None,
        account_id,
        cq.CONTRACT_SORTS.parse(sort),
    )
    changes = repo.changes_of(ctx.session, [c.id for c in found])
    names = ib.account_names(ctx.session, {c.account_id for c in found})
    rows = [
        [
            c.number,
            c.name,
            c.kind.value.replace("_", " "),
            names.get(c.account_id, str(c.account_id)),
            fee_words(c),
            amount(lifecycle.monthly_fee_on(c, changes.get(c.id, []), ctx.today)),
            c.currency,
            c.status.value,
            c.renewal_on,
            c.end_on,
        ]
        for c in found
    ]
    headings = ["Contract", "Name", "Kind", "Account", "Fee and term", "MRR", "Currency"]
    table = Table([*headings, "State", "Renewal", "Ends"], rows, cut=total > len(rows))
    return respond(table, fmt, "sold-contracts")


# ---------------------------------------------------------------- one contract


def _clause_words(ctx: Context, c: Contract) -> str | None:
    """The availability clause in the customer's words, as sold (availability contract first,
    the quote's clause otherwise)."""
    clause = None
    if c.availability_contract_id is not None:
        ac = availability_contract(ctx.session, c.availability_contract_id)
        clause = ac.clause if ac is not None else None
    if clause is None and c.quote_id is not None and c.kind == ContractKind.availability:
        clause = repo.quote(ctx.session, c.quote_id).clause
    if not clause:
        return None
    return clause_from(clause["kind"], clause).words(c.currency)


def _contract_context(ctx: Context, contract_id: int, **extra: Any) -> dict[str, Any]:
    c = lifecycle.visible_contract(ctx, contract_id)
    account = ib.accounts_by_id(ctx.session, {c.account_id})[c.account_id]
    asset_ids = repo.asset_ids_of(ctx.session, [c.id])[c.id]
    changes = repo.changes_of(ctx.session, [c.id])[c.id]
    lines = repo.billing_lines(ctx.session, contract_id=c.id)
    months: dict[str, list[Any]] = {}
    for ln in lines:
        months.setdefault(ln.period, []).append(ln)
    status = ContractStatus(c.status)
    changeable = status in lifecycle.CHANGEABLE and may(ctx.user, "contract.change")
    quote = repo.quote(ctx.session, c.quote_id) if c.quote_id else None
    return {
        "c": c,
        "account": account,
        "quote": quote,
        "fee": fee_words(c),
        "mrr": _cents(lifecycle.monthly_fee_on(c, changes, ctx.today), c.currency),
        "machines": ib.assets_of_account_by_id(ctx.session, c.account_id, asset_ids),
        "clause_words": _clause_words(ctx, c),
        "changes": list(reversed(changes)),
        "months": [
            (m, rows, sum(r.amount_cents for r in rows)) for m, rows in sorted(months.items())
        ][::-1],
        "may_change": changeable,
        "actions": {
            "amend": changeable,
            "index": changeable,
            "suspend": changeable and status == ContractStatus.active,
            "resume": changeable and status == ContractStatus.suspended,
            "cancel": changeable,
            "renew": changeable,
        },
        "today": ctx.today,
        "amount_cents": _cents,
        "error": None,
        "ok": None,
        "values": {},
        "preview": None,
        "action": None,
        **extra,
    }


@router.get("/sold-contracts/{contract_id}", response_class=HTMLResponse)
def contract_page(
    request: Request, ctx: RequestContext, contract_id: Id, done: Short = ""
) -> HTMLResponse:
    """One sold contract: lines, machines, clause, changes, billing by month, its actions."""
    _readers(ctx)
    ok = f"{done}: done" if done in ACTIONS else None
    return render(request, "offers/contract.html", _contract_context(ctx, contract_id, ok=ok))


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{field}: a day is written YYYY-MM-DD (got {value!r})") from None


def _decimal(value: str, field: str) -> Decimal:
    try:
        found = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"{field}: not a number: {value!r}") from None
    if not found.is_finite() or abs(found) > Decimal(10) ** 12:
        raise InvalidInput(f"{field}: not a number in range: {value!r}")
    return found


def _whole(value: str, field: str) -> int:
    if not value.strip().isdigit():
        raise InvalidInput(f"{field}: a whole number of months (got {value!r})")
    return int(value.strip())


def amendment_preview(c: Contract, fee: Decimal, on: date) -> dict[str, Any]:
    """What an amendment bills in the month it takes effect, before indexation: the month's
    share of the old fee for the days before, of the new fee from ``on`` on."""
    span = month_span(_month_of(on))
    months = c.period.months
    old = cents(Decimal(c.fee_cents) / months)
    new = cents(fee * 100 / months)
    split = prorate_amendment(old, new, span, on)
    return {
        "month": _month_of(on),
        "old_monthly": _cents(old, c.currency),
        "new_monthly": _cents(new, c.currency),
        "credit": _cents(split.credit_cents, c.currency),
        "charge": _cents(split.charge_cents, c.currency),
        "month_total": _cents(old + split.net_cents, c.currency),
        "days": (span.end - on).days,
        "days_in_month": span.days,
    }


@router.get("/sold-contracts/{contract_id}/amend-preview", response_class=HTMLResponse)
def amend_preview(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    fee: Short = "",
    on: Short = "",
) -> HTMLResponse:
    """The proration of an amendment in its month (the form asks as it is filled in)."""
    _readers(ctx)
    c = lifecycle.visible_contract(ctx, contract_id)
    values = {"fee": fee, "on": on}
    preview, error = None, None
    try:
        amount = _decimal(fee, "fee")
        if amount < 0:
            raise InvalidInput("fee: must not be negative")
        preview = amendment_preview(c, amount, _date(on, "on"))
    except InvalidInput as exc:
        error = exc.message
    if is_htmx(request):
        return render(
            request, "offers/_amend_preview.html", {"preview": preview, "preview_error": error}
        )
    context = _contract_context(
        ctx, contract_id, preview=preview, preview_error=error, values=values, action="amend"
    )
    return render(request, "offers/contract.html", context)


@router.post("/sold-contracts/{contract_id}/changes")
def change_contract(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    action: Annotated[str, Form(max_length=20)] = "",
    on: Annotated[str, Form(max_length=40)] = "",
    fee: Annotated[str, Form(max_length=40)] = "",
    pct: Annotated[str, Form(max_length=40)] = "",
    months: Annotated[str, Form(max_length=10)] = "",
    note: Text = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Amend, index, suspend, resume, cancel (notice given ``on``) or renew the contract."""
    _readers(ctx)
    lifecycle.visible_contract(ctx, contract_id)  # 404 outside the scope, before the role
    require(ctx.user, "contract.change")
    values = {"on": on, "fee": fee, "pct": pct, "months": months, "note": note}
    v = int(version) if version.isdigit() else None
    text = note.strip() or None

    def change() -> Contract:
        if action not in ACTIONS:
            raise InvalidInput(f"action: one of {', '.join(ACTIONS)} (got {action!r})")
        if action == "renew":
            return lifecycle.renew(ctx, contract_id, _whole(months, "months"), text, v)
        day = _date(on, "on")
        if action == "amend":
            amount = _decimal(fee, "fee")
            if amount != amount.quantize(Decimal("0.01")):
                raise InvalidInput("fee: at most two decimals")
            return lifecycle.amend(ctx, contract_id, int(amount * 100), day, text, v)
        if action == "index":
            return lifecycle.index(ctx, contract_id, _decimal(pct, "pct"), day, v)
        if action == "suspend":
            return lifecycle.suspend(ctx, contract_id, day, text, v)
        if action == "resume":
            return lifecycle.resume(ctx, contract_id, day, text, v)
        return lifecycle.cancel(ctx, contract_id, day, text, v)

    def done(c: Contract) -> Response:
        return RedirectResponse(f"/sold-contracts/{c.id}?done={action}", status_code=303)

    page = FormPage(
        "offers/contract.html",
        lambda: _contract_context(ctx, contract_id, action=action),
    )
    return save_or_show_again(request, ctx.session, change, done, page, values)


# ---------------------------------------------------------------- the account 360's panel


@router.get("/accounts/{account_id}/contracts-panel", response_class=HTMLResponse)
def account_panel(request: Request, ctx: RequestContext, account_id: Id) -> HTMLResponse:
    """The account's sold contracts, for the account 360 (loaded by HTMX); empty for a role
    that reads no contracts."""
    get_account(ctx.session, ctx.user, account_id)  # 404 outside the scope
    if ctx.user.role not in {r.value for r in READERS}:
        return HTMLResponse("")
    rows = cq.contracts_of_account(ctx.session, account_id)
    return render(
        request,
        "offers/_account_contracts.html",
        {"rows": _rows(ctx, rows), "account_id": account_id},
    )


# ---------------------------------------------------------------- billing


def _finished_months(today: date, count: int = 12) -> list[str]:
    """The last ``count`` finished months, newest first."""
    out = [_previous_month(_month_of(today))]
    while len(out) < count:
        out.append(_previous_month(out[-1]))
    return out


def _billing_context(ctx: Context, **extra: Any) -> dict[str, Any]:
    found = cq.billing_months(ctx.session, visible_account_ids(ctx.user))
    finished = _finished_months(ctx.today)
    for m in finished:
        found.setdefault(m, cq.MonthRow(m))
    rows = sorted(found.values(), key=lambda r: r.period, reverse=True)
    return {
        "months": rows,
        "runnable": [r.period for r in rows if r.period in finished and not r.closed],
        "may_run": may(ctx.user, "billing.run"),
        "amount_cents": _cents,
        "error": None,
        "values": {},
        **extra,
    }


@router.get("/billing", response_class=HTMLResponse)
def billing_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The billed months and their state; run a finished month, close a billed one."""
    _readers(ctx)
    return render(request, "offers/billing.html", _billing_context(ctx))


def _month(value: str, field: str = "period") -> str:
    value = value.strip()
    if len(value) != 7 or value[4] != "-":
        raise InvalidInput(f"{field}: a month is written YYYY-MM (got {value!r})")
    month_span(value)
    return value


@router.post("/billing/runs")
def run_page(
    request: Request, ctx: RequestContext, period: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    """Bill a finished month from the page; a re-run writes only what is missing."""
    _readers(ctx)
    require(ctx.user, "billing.run")
    store = store_of(request)
    purpose = ctx.settings.offers.billing_purpose

    def change() -> billing.RunResult:
        month = _month(period)
        return billing.run(
            ctx,
            month,
            telemetry_meter(ctx.session, store, purpose),
            availability_settlement(ctx.session, store),
        )

    def done(result: billing.RunResult) -> Response:
        query = urlencode({"written": len(result.written), "already": result.already})
        return RedirectResponse(f"/billing/{result.period}?{query}", status_code=303)

    page = FormPage("offers/billing.html", lambda: _billing_context(ctx))
    return save_or_show_again(request, ctx.session, change, done, page, {"period": period})


@router.post("/billing/{period}/close")
def close_page(request: Request, ctx: RequestContext, period: MonthPath) -> Response:
    """Lock a billed month."""
    _readers(ctx)
    require(ctx.user, "billing.run")

    def change() -> str:
        billing.close(ctx, _month(period))
        return period

    def done(month: str) -> Response:
        return RedirectResponse(f"/billing/{month}?closed=1", status_code=303)

    page = FormPage("offers/billing.html", lambda: _billing_context(ctx))
    return save_or_show_again(request, ctx.session, change, done, page)


def _csv_links(month: str, lines: int) -> list[str]:
    """The API's CSV of a month, in files of at most CSV_LINES lines (the API's largest page)."""
    out = []
    for offset in range(0, max(lines, 1), CSV_LINES):
        query = {"period": month, "format": "csv", "limit": CSV_LINES}
        out.append(
            f"/api/v1/billing-lines?{urlencode(query | ({'offset': offset} if offset else {}))}"
        )
    return out


@dataclass(frozen=True)
class LineRow:
    """A billing line as the month's list shows it, with its account's name."""

    line: BillingLine
    account: str


def _evidence(line: BillingLine) -> str | None:
    """A line's evidence in words: ``availability: 97.2 · target: 98``."""
    if not line.evidence:
        return None
    return " · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in line.evidence.items())


def _contract_link(r: LineRow) -> str | None:
    if r.line.contract_id:
        return f"/sold-contracts/{r.line.contract_id}"
    return f"/quotes/{r.line.quote_id}" if r.line.quote_id else None


def _contract_cell(r: LineRow) -> str | None:
    if r.line.contract_id:
        return f"#{r.line.contract_id}"
    return "quote" if r.line.quote_id else None


LINES: Listing[LineRow] = Listing(
    "billing-lines",
    (
        Col(
            "Account",
            lambda r: r.account,
            "account",
            link=lambda r: f"/accounts/{r.line.account_id}",
        ),
        Col("Contract", _contract_cell, "contract", link=_contract_link),
        Col("Line", lambda r: r.line.description, "line"),
        Col("Kind", lambda r: r.line.kind.replace("_", " "), "kind"),
        Col("Billable", lambda r: "yes" if r.line.billable else "not billable"),
        Col("Quantity", lambda r: r.line.quantity, "quantity", numeric=True),
        Col("Amount", lambda r: amount(r.line.amount_cents), "amount", numeric=True),
        Col("Currency", lambda r: r.line.currency),
        Col("Evidence", lambda r: _evidence(r.line)),
    ),
    "account",
)


def _line_rows(
    ctx: Context, month: str, kind: str, sort: str, params: PageParams
) -> tuple[Sort, list[LineRow], int]:
    order = LINES.sorts.parse(sort)  # an unknown column: 422 naming the allowed ones
    scope = visible_account_ids(ctx.user)
    lines, total = cq.month_lines(ctx.session, scope, month, params, order, kind or None)
    names = ib.account_names(ctx.session, {ln.account_id for ln in lines})
    rows = [LineRow(ln, names.get(ln.account_id, str(ln.account_id))) for ln in lines]
    return order, rows, total


@router.get("/billing/{period}.{fmt}")
def month_export(
    ctx: RequestContext,
    period: MonthPath,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    kind: Short = "",
    sort: Short = "",
) -> Response:
    """A month's billing lines as CSV or XLSX: every line the list shows (of its kind, in its
    sort), the amount as the page writes it, to the cent, next to its currency."""
    _readers(ctx)
    month = _month(period)
    _order, rows, total = _line_rows(ctx, month, kind, sort, PageParams(1, EXPORT_MAX_ROWS))
    return LINES.respond(rows, total, fmt)


@router.get("/billing/{period}", response_class=HTMLResponse)
def month_page(
    request: Request,
    ctx: RequestContext,
    period: MonthPath,
    page: PageNo = 1,
    kind: Short = "",
    sort: Short = "",
    written: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    already: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    closed: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> HTMLResponse:
    """A month's lines a page at a time (of a kind, sorted by a column), its totals per kind
    (adding up to the month's total) and the link to the CSV of the API."""
    _readers(ctx)
    month = _month(period)
    scope = visible_account_ids(ctx.user)
    kinds = cq.month_totals(ctx.session, scope, month)
    totals: dict[str, int] = {}
    for k in kinds:
        totals[k.currency] = totals.get(k.currency, 0) + k.cents
    params = PageParams(page, LINES_PER_PAGE)
    order, lines, total = _line_rows(ctx, month, kind, sort, params)
    shown = list_links(ctx, f"/billing/{month}", {"kind": kind}, order, LINES.sorts)
    state = cq.billing_month(ctx.session, month)
    row = cq.MonthRow(
        month,
        bool(state and state.closed),
        state.last_run_at if state else None,
        state.closed_by if state else None,
    )
    ok = None
    if written is not None:
        ok = f"billed: {written} new lines, {already or 0} already billed"
    elif closed:
        ok = f"{month} is closed"
    return render(
        request,
        "offers/billing_month.html",
        {
            "month": row,
            "kinds": kinds,
            "kind": kind,
            "totals": totals,
            "lines": lines,
            "listing": LINES,
            "list": shown,
            "line_id": lambda r: r.line.id,
            "ok": ok,
            "may_run": may(ctx.user, "billing.run"),
            "finished": month_span(month).end <= ctx.today,
            "amount_cents": _cents,
            "pager": _pages(f"/billing/{month}", shown.params, page, LINES_PER_PAGE, total),
            "csv": _csv_links(month, sum(k.lines for k in kinds)),
        },
    )


# ---------------------------------------------------------------- MRR


def _months_to(last: str, count: int) -> list[str]:
    out = [last]
    while len(out) < count:
        out.insert(0, _previous_month(out[0]))
    return out


@router.get("/mrr", response_class=HTMLResponse)
def mrr_page(
    request: Request,
    ctx: RequestContext,
    end: MonthText = "",
    months: Annotated[int, Query(ge=2, le=36)] = MRR_MONTHS,
) -> Response:
    """MRR and ARR per month with their movements: a waterfall and the same numbers as a table."""
    _readers(ctx)
    error = None
    last = _month_of(ctx.today)
    if end:
        try:
            last = _month(end, "end")
        except InvalidInput as exc:
            error = exc.message
    window = _months_to(last, months)
    found = lifecycle.mrr_movements(ctx, window)
    currency = ctx.settings.company_currency
    return render(
        request,
        "offers/mrr.html",
        {
            "rows": found,
            "chart": waterfall(f"MRR from {window[0]} to {window[-1]}", found, currency),
            "currency": currency,
            "end": last,
            "months": months,
            "error": error,
            "amount_cents": _cents,
        },
        422 if error else 200,
    )
