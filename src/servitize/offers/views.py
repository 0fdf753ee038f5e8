"""HTML pages of quotes: the list, a new quote, the line editor with live totals and its steps
(submit, approve, send, revise, accept), the quote as a PDF, and the customer's signed link.

Each change on the quote page is an HTMX post that answers the re-rendered ``_quote.html``
fragment (lines, totals, steps); a rule that says no shows its reason there (``kit.forms``),
a refused role is a 403 page. The customer's link needs no login: the token in the address is
the key, and its form carries a CSRF token of a signed pre-session cookie (as the login form).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core.errors import InvalidInput, PermissionDenied
from servitize.core.pages import render
from servitize.core.settings import Settings
from servitize.installed_base import repository as ib
from servitize.installed_base.access import may, require
from servitize.kit.brand import Brand
from servitize.kit.export import EXPORT_MAX_ROWS, Table, amount, respond
from servitize.kit.forms import FormPage, save_or_show_again, show_again
from servitize.kit.htmx import is_htmx
from servitize.kit.pagination import PageParams, pages_of
from servitize.offers import acceptance, contract_views, quotes
from servitize.offers import repository as repo
from servitize.offers.models import Quote, QuoteStatus
from servitize.offers.pdf import budget_range, money, quote_pdf, totals_rows
from servitize.offers.schemas import (
    ClauseIn,
    FormulaIn,
    FormulaLineIn,
    LineIn,
    QuoteCreate,
    QuoteRead,
    QuoteTerms,
)
from servitize.offers.versions import in_words as diff_in_words
from servitize.sales import repository as sales_repo
from servitize.trust.context import Context
from servitize.trust.http import DbSession, RequestContext, settings_of
from servitize.trust.lists import list_links
from servitize.trust.models import User
from servitize.value import service as value_cases

router = APIRouter(include_in_schema=False)
router.include_router(contract_views.router)  # sold contracts, billing, MRR
Text = Annotated[str, Form()]
WORK = "quote-work"
LINK_CSRF_COOKIE = "servitize_quote_csrf"
GONE = (
    "This link is not valid any more: the offer was revised, accepted or withdrawn. "
    "Ask us for a new one."
)
MODEL_TITLES = {
    "one_time": "One-time",
    "per_service": "Per service (time and material)",
    "subscription": "Subscriptions",
    "usage": "Usage-based",
    "licence": "Licences",
    "availability": "Availability contract",
}
TERM_TITLES = {
    "payment_days": "Payment within (days)",
    "liability_cap_pct": "Liability cap (% of the contract value)",
    "penalty_cap_pct": "Penalty cap (% of the fee)",
    "warranty_months": "Warranty (months)",
    "delivery_weeks": "Delivery (weeks)",
}
# The clause's parameters on the new-quote form (percent fields; money per hour apart).
CLAUSE_FIELDS = (
    ("target_pct", "Availability target %"),
    ("min_coverage_pct", "Minimum data coverage %"),
    ("pct_per_point", "Penalty % of the fee per point below target"),
    ("floor_pct", "Floor: below this availability nothing is paid (%)"),
    ("cap_pct", "Penalty cap %"),
    ("bonus_pct_per_point", "Bonus % per point above target"),
    ("bonus_cap_pct", "Bonus cap %"),
    ("penalty_pct_per_step", "Penalty % per step (steps)"),
    ("penalty_step_points", "Step width in points (steps)"),
    ("penalty_cap_pct", "Penalty cap % (steps)"),
)


def _money(value: str, field: str) -> Decimal | None:
    try:
        return Decimal(value.strip()) if value.strip() else None
    except InvalidOperation:
        raise InvalidInput(f"{field}: not an amount: {value!r}") from None


def _int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.lstrip("-").isdigit():
        raise InvalidInput(f"{field}: not a whole number: {value!r}")
    return int(value)


def _covered(asset_ids: list[str] | None) -> list[int] | None:
    """The covered machines ticked on a line form (None: none ticked)."""
    found = [_int(a, "asset_ids") for a in asset_ids or [] if a.strip()]
    return [a for a in found if a is not None] or None


def _version(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _cents(amount_cents: int, currency: str) -> str:
    """Cents as the document writes them (12,345.60 EUR), in integer arithmetic: the line
    editor's picker writes one for every catalogue item."""
    sign = "-" if amount_cents < 0 else ""
    whole, part = divmod(abs(amount_cents), 100)
    return f"{sign}{whole:,}.{part:02d} {currency}"


# How the quote templates write amounts: to the cent, as the document does.
AMOUNTS = {"amount": money, "amount_cents": _cents}


# ---------------------------------------------------------------- the list and a new quote


QUOTES_PER_PAGE = 50
ListText = Annotated[str | None, Query(max_length=40)]
ListPage = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/quotes", response_class=HTMLResponse)
def quotes_page(
    request: Request,
    ctx: RequestContext,
    status: str = "",
    opportunity_id: int | None = None,
    sort: ListText = None,
    page: ListPage = 1,
) -> HTMLResponse:
    """Quotes of the accounts the user may see, newest first (or sorted by a column), by
    status (and opportunity), a page at a time."""
    wanted = status if status in QuoteStatus.__members__ else None
    order = repo.QUOTE_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    params = PageParams(page, QUOTES_PER_PAGE)
    found, total = quotes.listing_page(ctx, order, params, wanted, opportunity_id)
    names = ib.account_names(ctx.session, {q.account_id for q in found})
    filters = {"status": wanted or "", "opportunity_id": opportunity_id}
    shown = list_links(ctx, "/quotes", filters, order, repo.QUOTE_SORTS)
    context = {
        "quotes": found,
        "names": names,
        "status": wanted or "",
        "opportunity_id": opportunity_id,
        "statuses": [s.value for s in QuoteStatus],
        "may_create": may(ctx.user, "quote.create"),
        "list": shown,
        "pager": pages_of("/quotes", shown.params, params, len(found), total),
        **AMOUNTS,
    }
    return render(request, "offers/quotes.html", context)


@router.get("/quotes.{fmt}")
def quotes_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    status: str = "",
    opportunity_id: int | None = None,
    sort: ListText = None,
) -> Response:
    """The quotes list as CSV or XLSX: every page of what it shows, so filtered and sorted; the
    contract value as the page's amount (to the cent) with its currency."""
    wanted = status if status in QuoteStatus.__members__ else None
    order = repo.QUOTE_SORTS.parse(sort)
    found, total = quotes.listing_page(
        ctx, order, PageParams(1, EXPORT_MAX_ROWS), wanted, opportunity_id
    )
    names = ib.account_names(ctx.session, {q.account_id for q in found})
    rows = [
        [
            f"{q.number} r{q.revision}",
            q.title,
            names.get(q.account_id, str(q.account_id)),
            q.status.value.replace("_", " "),
            amount(q.contract_value_cents),
            q.currency,
            q.valid_until,
        ]
        for q in found
    ]
    headings = ["Quote", "Title", "Account", "Status", "Contract value", "Currency"]
    table = Table([*headings, "Valid until"], rows, cut=total > len(rows))
    return respond(table, fmt, "quotes")


def _new_context(
    ctx: Context, account_id: int | None, opportunity_id: int | None
) -> dict[str, Any]:
    opportunity = None
    if opportunity_id is not None:
        opportunity = sales_repo.get(ctx.session, ctx.user, opportunity_id)
        account_id = opportunity.account_id
    return {
        "accounts": [(a.id, a.name) for a in ib.account_choices(ctx.session, ctx.user, 500)],
        "account_id": account_id,
        "opportunity": opportunity,
        "term_titles": TERM_TITLES,
        "clause_fields": CLAUSE_FIELDS,
        "validity_days": ctx.settings.offers.quote_validity_days,
        "values": {},
    }


@router.get("/quotes/new", response_class=HTMLResponse)
def new_quote_page(
    request: Request,
    ctx: RequestContext,
    account_id: int | None = None,
    opportunity_id: int | None = None,
) -> HTMLResponse:
    """The form of a new quote, for an account or one of its opportunities."""
    require(ctx.user, "quote.create")  # a role that may not start one gets 403, not a form
    return render(request, "offers/new.html", _new_context(ctx, account_id, opportunity_id))


# The new-quote form as posted: every field as text, empty when left empty.
NEW_QUOTE_FIELDS = (
    "account_id",
    "opportunity_id",
    "title",
    "kind",
    "currency",
    "term_months",
    "valid_until",
    "notes",
    *TERM_TITLES,
    "clause_kind",
    *(f"clause_{key}" for key, _title in CLAUSE_FIELDS),
    "clause_per_hour",
)
if TYPE_CHECKING:  # built at run time; to the type checker, a form model
    NewQuoteForm = BaseModel
else:
    NewQuoteForm = create_model(
        "NewQuoteForm",
        __config__=ConfigDict(extra="ignore"),
        **dict.fromkeys(NEW_QUOTE_FIELDS, (str, "")),
    )


@router.post("/quotes")
def create_quote_page(
    request: Request, ctx: RequestContext, form: Annotated[NewQuoteForm, Form()]
) -> Response:
    """Create the draft quote and go to its line editor."""
    values = {k: str(v) for k, v in form.model_dump().items()}
    account = _int(values.get("account_id", ""), "account_id")
    opportunity = _int(values.get("opportunity_id", ""), "opportunity_id")

    def change() -> Quote:
        terms = {k: v for k in TERM_TITLES if (v := values.get(k, "").strip())}
        clause = None
        if values.get("clause_kind"):
            params: dict[str, Any] = {
                k: v for k, _t in CLAUSE_FIELDS if (v := values.get("clause_" + k, "").strip())
            }
            per_hour = _money(values.get("clause_per_hour", ""), "per_hour")
            if per_hour is not None:
                params["per_hour_cents"] = int(per_hour * 100)
            clause = ClauseIn(kind=values["clause_kind"], **params)
        data = QuoteCreate(
            account_id=account or 0,
            opportunity_id=opportunity,
            title=values.get("title", ""),
            kind=values.get("kind") or "fixed",
            currency=values.get("currency") or None,
            term_months=_int(values.get("term_months", ""), "term_months") or 36,
            valid_until=values.get("valid_until") or None,
            terms=QuoteTerms(**terms),
            clause=clause,
            notes=values.get("notes") or None,
        )
        return quotes.create_quote(ctx, data)

    def again() -> dict[str, Any]:
        return _new_context(ctx, account, opportunity)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda q: RedirectResponse(f"/quotes/{q.id}", status_code=303),
        FormPage("offers/new.html", again),
        values,
    )


# ---------------------------------------------------------------- one quote


@dataclass(frozen=True)
class Revision:
    """A revision of the quote (the list links each)."""

    id: int
    revision: int
    status: str


def _revisions(rows: list[Quote]) -> list[Revision]:
    return [Revision(r.id, r.revision, r.status.value) for r in reversed(rows)]


def _catalogue_choices(rows: list[Any]) -> list[tuple[str, str]]:
    """(external id, label) of each catalogue item for the line editor's picker, its label
    written here once rather than in the template (a catalogue has hundreds of items)."""
    return [
        (
            r.external_id,
            f"{r.name} · {r.revenue_model.replace('_', ' ')} · "
            f"{_cents(r.list_price_cents, r.currency)}",
        )
        for r in rows
    ]


def _formula_choices(found: list[tuple[Any, Any]]) -> list[tuple[str, str]]:
    """(external id, label) of the items with a standard formula: sizes and regions named."""
    out = []
    for r, f in found:
        label = f"{r.name} · sizes {', '.join(f.base_by_size_cents)}"
        if f.region_factors:
            label += f" · regions {', '.join(f.region_factors)}"
        out.append((r.external_id, label))
    return out


def grouped(read: QuoteRead) -> list[tuple[str, list[Any]]]:
    """The lines grouped by revenue model, in the order of MODEL_TITLES."""
    groups: dict[str, list[Any]] = {}
    for line in read.lines:
        groups.setdefault(line.revenue_model, []).append(line)
    order = list(MODEL_TITLES)
    return [
        (MODEL_TITLES.get(m, m.replace("_", " ")), groups[m])
        for m in sorted(groups, key=lambda m: order.index(m) if m in order else len(order))
    ]


def _quote_context(
    ctx: Context, quote_id: int, ok: str | None = None, link: str | None = None
) -> dict[str, Any]:
    quote, account = quotes.visible_quote_and_account(ctx, quote_id)
    lines = repo.lines_of(ctx.session, quote.id)
    totals = quotes.totals_of(quote, lines)
    read = quotes.read(ctx, quote, lines, totals)
    own = quote.owner_id == ctx.user.id
    status = quote.status
    editable = status in quotes.EDITABLE
    offerings = repo.catalogue_choices(ctx.session, quote.currency) if editable else []
    revisions = repo.revisions(ctx.session, quote.number)
    previous = quotes.previous_of(quote, revisions)
    changes = None
    if previous is not None:
        changes = quotes.diff_of(ctx, previous, quote, lines, totals)
    return {
        "q": read,
        "quote": quote,
        "account": account,
        "groups": grouped(read),
        "term_titles": TERM_TITLES,
        "catalogue": _catalogue_choices(offerings),
        "formula_offerings": _formula_choices(quotes.formula_offerings(ctx, offerings)),
        "machines": ib.assets_of_account(ctx.session, quote.account_id) if editable else [],
        "revisions": _revisions(revisions),
        "diff": changes,
        "diff_words": diff_in_words(changes) if changes is not None else None,
        "budget_range": budget_range(read),
        "ok": ok,
        "link": link,
        "error": None,
        "values": {},
        **AMOUNTS,
        "may_edit": editable and may(ctx.user, "quote.edit", own=own),
        "may_submit": status == QuoteStatus.draft and may(ctx.user, "quote.edit", own=own),
        "may_approve": status == QuoteStatus.pending_approval
        and may(ctx.user, "quote.approve")
        and (not own or ctx.user.role == "admin"),
        "needs_override": any(r.startswith("term outside") for r in read.approval_reasons),
        "may_send": status in {QuoteStatus.approved, QuoteStatus.sent}
        and may(ctx.user, "quote.edit", own=own),
        "may_revise": status not in {QuoteStatus.accepted, QuoteStatus.superseded}
        and may(ctx.user, "quote.edit", own=own),
        "may_accept": status in {QuoteStatus.approved, QuoteStatus.sent}
        and may(ctx.user, "quote.accept", own=own),
    }


@router.get("/quotes/{quote_id}.pdf")
def quote_pdf_file(request: Request, ctx: RequestContext, quote_id: int) -> Response:
    """The quote as the customer reads it, as a PDF."""
    quote = quotes.visible_quote(ctx, quote_id)
    return _pdf_response(ctx.session, ctx.settings, quotes.read(ctx, quote))


@router.get("/quotes/{quote_id}", response_class=HTMLResponse)
def quote_page(request: Request, ctx: RequestContext, quote_id: int) -> HTMLResponse:
    """One quote: its lines, totals per revenue stream, clause, approval and revisions."""
    context = _quote_context(ctx, quote_id)
    name = "offers/_quote.html" if is_htmx(request) else "offers/quote.html"
    return render(request, name, context)


def _step(
    request: Request,
    ctx: Context,
    quote_id: int,
    change: Callable[[], Quote],
    ok: Callable[[Quote], str],
    values: Mapping[str, object] | None = None,
) -> Response:
    """Run a step of the quote; answer the fragment (HTMX) or go to the quote's page."""

    def done(result: Quote) -> Response:
        if not is_htmx(request):
            return RedirectResponse(f"/quotes/{result.id}", status_code=303)
        if result.id != quote_id:  # a new revision: its own page, with its header
            return Response(status_code=200, headers={"HX-Redirect": f"/quotes/{result.id}"})
        return render(request, "offers/_quote.html", _quote_context(ctx, result.id, ok(result)))

    page = FormPage(
        "offers/quote.html", lambda: _quote_context(ctx, quote_id), "offers/_quote.html"
    )
    return save_or_show_again(request, ctx.session, change, done, page, values)


@router.post("/quotes/{quote_id}/lines")
def add_line_page(
    request: Request,
    ctx: RequestContext,
    quote_id: int,
    offering: Text = "",
    quantity: Text = "1",
    unit_price: Text = "",
    discount_pct: Text = "0",
    bundle: Text = "",
    bundle_discount_pct: Text = "0",
    asset_ids: Annotated[list[str] | None, Form()] = None,
    version: Text = "",
) -> Response:
    """Add a catalogue item with quantity, discount, bundle and covered machines."""
    values = {
        "offering": offering,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_pct": discount_pct,
        "bundle": bundle,
        "bundle_discount_pct": bundle_discount_pct,
    }

    def change() -> Quote:
        line = LineIn(
            offering=offering.strip(),
            quantity=_money(quantity, "quantity") or Decimal(1),
            unit_price=_money(unit_price, "unit_price"),
            discount_pct=_money(discount_pct, "discount_pct") or Decimal(0),
            bundle=bundle.strip() or None,
            bundle_discount_pct=_money(bundle_discount_pct, "bundle_discount_pct") or Decimal(0),
            asset_ids=_covered(asset_ids),
        )
        return quotes.add_line(ctx, quote_id, line, _version(version))

    return _step(request, ctx, quote_id, change, lambda q: "line added", values)


def _formula_form(
    offering: str,
    machines: str,
    size_class: str,
    operating_hours_per_year: str,
    region: str,
    term_months: str,
) -> dict[str, Any]:
    """The formula's parameters as typed, read; a field that is not a number is named."""
    return {
        "offering": offering.strip(),
        "machines": _int(machines, "machines") or 0,
        "size_class": size_class.strip(),
        "operating_hours_per_year": _money(operating_hours_per_year, "operating_hours_per_year")
        or Decimal(0),
        "region": region.strip() or None,
        "term_months": _int(term_months, "term_months"),
    }


@router.post("/quotes/{quote_id}/formula", response_class=HTMLResponse)
def formula_price_page(
    request: Request,
    ctx: RequestContext,
    quote_id: int,
    offering: Text = "",
    machines: Text = "1",
    size_class: Text = "",
    operating_hours_per_year: Text = "0",
    region: Text = "",
    term_months: Text = "",
) -> HTMLResponse:
    """The budget price at once (HTMX, on every change of the formula's parameters): the
    indicative range and how the fixed price is computed. Nothing is written."""
    offer, error = None, None
    try:
        fields = _formula_form(
            offering, machines, size_class, operating_hours_per_year, region, term_months
        )
        offer = quotes.price_by_formula(ctx, quote_id, FormulaIn(**fields))
    except InvalidInput as exc:
        error = str(exc)
    except ValueError as exc:  # the schema's bounds: the first field it names
        error = _first_error(exc)
    return render(request, "offers/_formula.html", {"offer": offer, "error": error})


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "input"
        return f"{where}: {first.get('msg', 'not valid')}"
    return str(exc)


@router.post("/quotes/{quote_id}/formula/lines")
def add_formula_line_page(
    request: Request,
    ctx: RequestContext,
    quote_id: int,
    offering: Text = "",
    machines: Text = "1",
    size_class: Text = "",
    operating_hours_per_year: Text = "0",
    region: Text = "",
    term_months: Text = "",
    bundle: Text = "",
    bundle_discount_pct: Text = "0",
    asset_ids: Annotated[list[str] | None, Form()] = None,
    version: Text = "",
) -> Response:
    """Add the line at the formula's fixed price (computed from the parameters, not typed)."""
    values = {
        "f_offering": offering,
        "f_machines": machines,
        "f_size_class": size_class,
        "f_hours": operating_hours_per_year,
        "f_region": region,
        "f_term": term_months,
        "f_bundle": bundle,
        "f_bundle_discount": bundle_discount_pct,
    }

    def change() -> Quote:
        fields = _formula_form(
            offering, machines, size_class, operating_hours_per_year, region, term_months
        )
        line = FormulaLineIn(
            **fields,
            bundle=bundle.strip() or None,
            bundle_discount_pct=_money(bundle_discount_pct, "bundle_discount_pct") or Decimal(0),
            asset_ids=_covered(asset_ids),
        )
        return quotes.add_formula_line(ctx, quote_id, line, _version(version))

    return _step(
        request, ctx, quote_id, change, lambda q: "line added at the formula's price", values
    )


@router.post("/quotes/{quote_id}/lines/{line_id}/remove")
def remove_line_page(
    request: Request, ctx: RequestContext, quote_id: int, line_id: int, version: Text = ""
) -> Response:
    """Remove a line."""

    def change() -> Quote:
        return quotes.remove_line(ctx, quote_id, line_id, _version(version))

    return _step(request, ctx, quote_id, change, lambda q: "line removed")


@router.post("/quotes/{quote_id}/submit")
def submit_page(
    request: Request, ctx: RequestContext, quote_id: int, version: Text = ""
) -> Response:
    """Submit the quote: approved at once, or pending a manager with every reason."""

    def change() -> Quote:
        return quotes.submit(ctx, quote_id, _version(version))

    def ok(q: Quote) -> str:
        return (
            "submitted: approved"
            if q.status == QuoteStatus.approved
            else "submitted: waiting for a manager's approval"
        )

    return _step(request, ctx, quote_id, change, ok)


@router.post("/quotes/{quote_id}/approve")
def approve_page(
    request: Request, ctx: RequestContext, quote_id: int, reason: Text = "", version: Text = ""
) -> Response:
    """A manager approves (terms outside the borderline need an override reason)."""

    def change() -> Quote:
        return quotes.approve(ctx, quote_id, reason or None, _version(version))

    return _step(request, ctx, quote_id, change, lambda q: "approved", {"reason": reason})


@router.post("/quotes/{quote_id}/send")
def send_page(request: Request, ctx: RequestContext, quote_id: int, version: Text = "") -> Response:
    """Mark the quote sent; the answer shows the customer's link, once."""
    sent: list[str] = []

    def change() -> Quote:
        quote, token = quotes.send(ctx, quote_id, _version(version))
        sent.append(token)
        return quote

    def done(result: Quote) -> Response:
        link = f"{request.base_url}q/{sent[0]}"
        context = _quote_context(ctx, result.id, "sent: send the customer this link", link)
        name = "offers/_quote.html" if is_htmx(request) else "offers/quote.html"
        return render(request, name, context)

    page = FormPage(
        "offers/quote.html", lambda: _quote_context(ctx, quote_id), "offers/_quote.html"
    )
    return save_or_show_again(request, ctx.session, change, done, page)


@router.post("/quotes/{quote_id}/revise")
def revise_page(
    request: Request, ctx: RequestContext, quote_id: int, version: Text = "", kind: Text = ""
) -> Response:
    """A new revision with the same lines; this one is superseded. ``kind=fixed`` makes a
    budget offer the fixed offer (formula lines priced again from their parameters)."""

    def change() -> Quote:
        return quotes.revise(ctx, quote_id, _version(version), kind.strip() or None)

    return _step(
        request, ctx, quote_id, change, lambda q: f"revision {q.revision} opened as a draft"
    )


@router.post("/quotes/{quote_id}/accept")
def accept_page(
    request: Request, ctx: RequestContext, quote_id: int, name: Text = "", version: Text = ""
) -> Response:
    """Record the customer's acceptance: orders, contracts and coverage are created."""

    def change() -> Quote:
        if len(name.strip()) < 2:
            raise InvalidInput("name: who accepted on the customer's side")
        return acceptance.accept(ctx, quote_id, name.strip(), _version(version)).quote

    return _step(
        request, ctx, quote_id, change, lambda q: f"accepted by {q.accepted_by}", {"name": name}
    )


# ---------------------------------------------------------------- the customer's link


def _link_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="servitize-quote-link-csrf")


def _customer_context(session: DbSession, settings: Settings, quote: Quote) -> dict[str, Any]:
    # The customer is nobody's user: reading a quote needs only the session and the settings.
    reader = Context(session, User(username="customer", role="analyst"), settings)
    read = quotes.read(reader, quote)
    account = ib.accounts_by_id(session, {quote.account_id})[quote.account_id]
    return {
        "q": read,
        "account": account,
        "groups": grouped(read),
        "term_titles": TERM_TITLES,
        "company": settings.company_name,
        "company_address": settings.company_address,
        "totals_rows": totals_rows(read),
        **AMOUNTS,
    }


def _link_gone(request: Request, message: str, status: int) -> HTMLResponse:
    return render(request, "offers/link_gone.html", {"message": message}, status)


@router.get("/q/{token}.pdf")
def customer_pdf(request: Request, session: DbSession, token: str) -> Response:
    """The quote of the customer's link as a PDF."""
    quote = quotes.quote_by_token(session, token)
    if quote is None:
        return _link_gone(request, GONE, 404)
    settings = settings_of(request)
    reader = Context(session, User(username="customer", role="analyst"), settings)
    return _pdf_response(session, settings, quotes.read(reader, quote))


@router.get("/q/{token}", response_class=HTMLResponse)
def customer_page(request: Request, session: DbSession, token: str) -> Response:
    """The quote as the customer reads it, with the form to accept it; no login."""
    quote = quotes.quote_by_token(session, token)
    if quote is None:
        return _link_gone(request, GONE, 404)
    settings = settings_of(request)
    if quote.valid_until < datetime.now(UTC).date():
        expired = f"This offer expired on {quote.valid_until.isoformat()}; ask us for a new one."
        return _link_gone(request, expired, 410)
    context = _customer_context(session, settings, quote)
    csrf = secrets.token_urlsafe(24)
    request.state.csrf = csrf
    response = render(request, "offers/customer.html", context | {"token": token})
    response.set_cookie(
        LINK_CSRF_COOKIE,
        _link_serializer(settings).dumps(csrf),
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production" or settings.hsts_max_age_s > 0,
        path="/q/",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _check_link_csrf(request: Request, sent: str) -> None:
    raw = request.cookies.get(LINK_CSRF_COOKIE, "")
    try:
        expected = _link_serializer(settings_of(request)).loads(raw, max_age=3600) if raw else None
    except BadSignature:
        expected = None
    if not sent or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise PermissionDenied("the page expired or its CSRF token is missing; reload the page")


@router.post("/q/{token}", response_class=HTMLResponse)
def customer_accept(
    request: Request,
    session: DbSession,
    token: str,
    name: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The customer accepts the quote of their link on behalf of their company."""
    _check_link_csrf(request, csrf_token)
    settings = settings_of(request)
    quote = quotes.quote_by_token(session, token)
    if quote is None:
        return _link_gone(request, GONE, 404)
    request.state.csrf = csrf_token
    page = FormPage(
        "offers/customer.html",
        lambda: _customer_context(session, settings, quote) | {"token": token},
    )
    if len(name.strip()) < 2:
        return show_again(request, page, InvalidInput("name: your name, as who accepts"), {})

    def change() -> acceptance.Accepted:
        return acceptance.accept_by_link(session, settings, token, name.strip(), datetime.now(UTC))

    def done(result: acceptance.Accepted) -> Response:
        context = _customer_context(session, settings, result.quote)
        response = render(request, "offers/customer.html", context | {"accepted": True})
        response.delete_cookie(LINK_CSRF_COOKIE, path="/q/")
        return response

    return save_or_show_again(request, session, change, done, page, {"name": name})


def _pdf_response(session: DbSession, settings: Settings, read: QuoteRead) -> Response:
    account = ib.accounts_by_id(session, {read.account_id})[read.account_id]
    brand = Brand.of(settings)  # the customer's document: the company's letterhead
    data = quote_pdf(
        read,
        grouped(read),
        company=brand.name,
        company_address=settings.company_address,
        customer=account.name,
        term_titles=TERM_TITLES,
        value_case=value_cases.quote_case(session, settings, read.opportunity_id),
        brand=brand,
    )
    name = f"quote-{read.number}-r{read.revision}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{name}"'},
    )
