"""The customer portal's pages (under /portal, branded from settings) and the staff's pages
that answer what customers raise: portal users of an account, disputes, service requests.

A customer's page answers 404 to staff (their own pages show the same records); a form the
customer posts asks its action, so staff get 403 there. Invitation links (/portal/join/…), the
brand's stylesheet and logo need no login.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from servitize.contracts import report as rp
from servitize.contracts.report_files import (
    period_text,
    report_pdf,
    result_sentence,
    table_csv,
    tables_xlsx,
)
from servitize.contracts.views import trend_chart
from servitize.core.errors import InvalidInput, NotFound, PermissionDenied, ServitizeError
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.core.settings import Settings
from servitize.installed_base.access import get_account, may
from servitize.kit.brand import Brand
from servitize.offers.pdf import quote_pdf
from servitize.offers.quotes import read as quote_full_read
from servitize.offers.views import TERM_TITLES, grouped
from servitize.portal import consent_views, service
from servitize.portal import disputes as dsp
from servitize.portal import invitations as inv
from servitize.portal import schemas as s
from servitize.portal.api import customer, dispute_read
from servitize.portal.models import DisputeStatus, RequestStatus
from servitize.telemetry.api import store_of
from servitize.trust.context import Context
from servitize.trust.http import (
    SESSION_COOKIE,
    DbSession,
    RequestContext,
    settings_of,
    sign_session,
)

router = APIRouter(include_in_schema=False)
router.include_router(consent_views.router)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Months = Annotated[int, Query(ge=1, le=rp.MAX_MONTHS)]
JOIN_CSRF_COOKIE = "servitize_join_csrf"
STATE_WORDS = dsp.STATE_WORDS


def _page(request: Request, ctx: Context, name: str, context: dict[str, Any], status: int = 200):
    """A portal page: the branding and the user's accounts in every context."""
    brand = ctx.settings.branding
    return render(
        request,
        name,
        {
            "company": service.company_of(ctx),
            "has_logo": brand.logo_file is not None,
            "state_words": STATE_WORDS,
        }
        | context,
        status,
    )


# ------------------------------------------------------------------- brand (no login)


@router.get("/portal/brand.css")
def brand_css(request: Request) -> Response:
    """The portal's colours from settings (a stylesheet: the pages allow no inline styles)."""
    b = settings_of(request).branding
    css = (
        f":root{{--brand:{b.primary_colour};--brand-accent:{b.accent_colour};}}\n"
        ".portal .topbar{background:var(--brand);}\n"
        ".portal .topbar a,.portal .topbar .brand span,.portal .topbar .who{color:#fff;}\n"
        ".portal .button.primary{background:var(--brand-accent);border-color:var(--brand-accent);}\n"
        ".portal .brand img{height:28px;width:auto;}\n"
    )
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/portal/brand/logo")
def brand_logo(request: Request) -> Response:
    """The company's logo file from settings (404 when none is set)."""
    path = settings_of(request).branding.logo_file
    if path is None or not path.is_file():
        raise NotFound("no logo configured")
    return FileResponse(path, headers={"Cache-Control": "max-age=300"})


# ------------------------------------------------------------------------ invitations


def _join_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="servitize-join-csrf")


@router.get("/portal/join/{token}", response_class=HTMLResponse)
def join_form(request: Request, session: DbSession, token: str) -> Response:
    """The invitee chooses a password (no login: the signed link is the key)."""
    settings = settings_of(request)
    try:
        invitation = inv.invitation_of(session, settings, token, datetime.now(UTC))
    except NotFound as exc:
        return _join_gone(request, settings, exc.message)
    return _join_page(request, settings, token, invitation.email, None, 200)


def _join_gone(request: Request, settings: Settings, message: str) -> HTMLResponse:
    company = settings.branding.name or settings.company_name
    return render(
        request,
        "portal/join_gone.html",
        {
            "message": message,
            "company": company,
            "has_logo": settings.branding.logo_file is not None,
        },
        404,
    )


def _join_page(
    request: Request, settings: Settings, token: str, email: str, error: str | None, status: int
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    request.state.csrf = csrf
    company = settings.branding.name or settings.company_name
    response = render(
        request,
        "portal/join.html",
        {
            "token": token,
            "email": email,
            "error": error,
            "company": company,
            "has_logo": settings.branding.logo_file is not None,
            "min_length": settings.password_min_length,
        },
        status,
    )
    response.set_cookie(
        JOIN_CSRF_COOKIE,
        _join_serializer(settings).dumps(csrf),
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production" or settings.hsts_max_age_s > 0,
        path="/portal/join/",
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/portal/join/{token}", response_class=HTMLResponse)
def join(
    request: Request,
    session: DbSession,
    token: str,
    password: Annotated[str, Form(max_length=200)] = "",
    again: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set the password: the customer user is created, logged in and sent to the portal."""
    settings = settings_of(request)
    raw = request.cookies.get(JOIN_CSRF_COOKIE, "")
    try:
        expected = _join_serializer(settings).loads(raw, max_age=3600) if raw else None
    except BadSignature:
        expected = None
    if not expected or not secrets.compare_digest(str(expected), csrf_token):
        raise PermissionDenied("the page expired or its CSRF token is missing; reload the page")
    now = datetime.now(UTC)
    try:
        invitation = inv.invitation_of(session, settings, token, now)
    except NotFound as exc:
        return _join_gone(request, settings, exc.message)
    if password != again:
        return _join_page(
            request, settings, token, invitation.email, "again: the passwords differ", 422
        )
    try:
        user = inv.join(session, settings, token, password, now)
    except InvalidInput as exc:
        return _join_page(request, settings, token, invitation.email, exc.message, 422)
    session.commit()
    value, _csrf = sign_session(settings, user.id, user.session_generation or 0)
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production" or settings.hsts_max_age_s > 0,
    )
    response.delete_cookie(JOIN_CSRF_COOKIE, path="/portal/join/")
    return response


# --------------------------------------------------------------------- customer pages


@router.get("/portal", response_class=HTMLResponse)
def home(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The customer's start: their machines with coverage and contract status, last month's
    contract results, and what waits for them."""
    customer(ctx)
    month = rp.last_complete_month(ctx.today)
    return _page(
        request,
        ctx,
        "portal/home.html",
        {
            "accounts": service.accounts(ctx),
            "machines": service.machines(ctx),
            "contracts": service.contract_months(ctx, store_of(request), month),
            "month": month,
            "rp": rp,
            "quotes": [q for q in service.quotes(ctx) if q.may_accept],
            "sheets": [x for x in service.sheets(ctx) if x.status == "proposed"],
            "surveys": [x for x in service.surveys(ctx) if not x.answered],
        },
    )


def _customer_report(request: Request, ctx: Context, contract_id: int, period, months):
    customer(ctx)
    return service.report(ctx, store_of(request), contract_id, period, months)


@router.get("/portal/contracts/{contract_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    period: Month = None,
    months: Months = rp.DEFAULT_MONTHS,
) -> HTMLResponse:
    """The monthly operation report as the customer reads it, with a dispute per period."""
    r = _customer_report(request, ctx, contract_id, period, months)
    disputed = {(d.serial, d.start): d for d in dsp.disputes(ctx, contract_id=contract_id)}
    return _page(
        request,
        ctx,
        "portal/report.html",
        {
            "r": r,
            "rp": rp,
            "chart": trend_chart(r.trend, r.result.target_pct),
            "months": months,
            "sentence": result_sentence(r),
            "query": f"period={r.month}&months={months}",
            "period": period_text(r),
            "window": f"from={r.trend[0].month}&to={r.month}",
            "prev": rp.shift_month(r.month, -1),
            "next": rp.shift_month(r.month, 1),
            "latest": rp.last_complete_month(ctx.today),
            "disputed": disputed,
            "states": dsp.STATES,
        },
    )


@router.get("/portal/contracts/{contract_id}/report.pdf")
def report_pdf_file(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    period: Month = None,
    months: Months = rp.DEFAULT_MONTHS,
) -> Response:
    """The monthly operation report as a PDF (the customer's copy)."""
    r = _customer_report(request, ctx, contract_id, period, months)
    name = f"operation-report-{r.contract}-{r.month}.pdf"
    return Response(
        report_pdf(r, brand=Brand.of(ctx.settings)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _window(request: Request, ctx: Context, contract_id: int, first, last):
    customer(ctx)
    contract = rp.visible_contract(ctx.session, ctx.user, contract_id)
    last = last or rp.last_complete_month(ctx.today)
    months = rp.month_range(first or rp.months_ending(last, rp.DEFAULT_MONTHS)[0], last)
    results, stops = rp.tables(
        ctx.session,
        store_of(request),
        contract,
        months,
        expected_interval_s=ctx.settings.telemetry_expected_interval_s,
    )
    # customer-facing words only: no internal causes of downtime records
    stops = [service.replace_cause(x) for x in stops]
    return contract, months, results, stops


@router.get("/portal/contracts/{contract_id}/report.csv")
def report_csv(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    table: Annotated[str, Query(pattern="^(availability|downtime)$")] = "availability",
    first: Annotated[Month, Query(alias="from")] = None,
    last: Annotated[Month, Query(alias="to")] = None,
) -> Response:
    """One table of the report for any window of months, as CSV."""
    contract, months, results, stops = _window(request, ctx, contract_id, first, last)
    name = f"{contract.external_id}-{table}-{months[0]}-{months[-1]}.csv"
    return Response(
        table_csv(table, results, stops),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/portal/contracts/{contract_id}/report.xlsx")
def report_xlsx(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    first: Annotated[Month, Query(alias="from")] = None,
    last: Annotated[Month, Query(alias="to")] = None,
) -> Response:
    """Both tables of the report for any window of months, one sheet each."""
    contract, months, results, stops = _window(request, ctx, contract_id, first, last)
    name = f"{contract.external_id}-{months[0]}-{months[-1]}.xlsx"
    return Response(
        tables_xlsx(results, stops),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/portal/disputes", response_class=HTMLResponse)
def dispute(
    request: Request,
    ctx: RequestContext,
    contract_id: Annotated[Id, Form()],
    month: Annotated[str, Form(pattern=r"^\d{4}-\d{2}$")],
    serial: Annotated[str, Form(min_length=1, max_length=120)],
    start: Annotated[datetime, Form()],
    asked_state: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The customer disputes a downtime period; back to the report, which shows it."""
    dsp.open_dispute(ctx, store_of(request), contract_id, month, serial, start, asked_state, reason)
    return RedirectResponse(
        f"/portal/contracts/{contract_id}/report?period={month}#disputes", status_code=303
    )


@router.get("/portal/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The customer's disputes and the answers, with the month's amount before and after."""
    customer(ctx)
    return _page(
        request,
        ctx,
        "portal/disputes.html",
        {"disputes": [dispute_read(d) for d in dsp.disputes(ctx)]},
    )


@router.get("/portal/quotes", response_class=HTMLResponse)
def quotes_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The quotes sent to the customer's accounts."""
    customer(ctx)
    return _page(request, ctx, "portal/quotes.html", {"quotes": service.quotes(ctx)})


@router.get("/portal/quotes/{quote_id}.pdf")
def quote_pdf_file(request: Request, ctx: RequestContext, quote_id: Id) -> Response:
    """The quote as a PDF, the customer's copy (the company name of the branding)."""
    customer(ctx)
    quote = service.quote_model(ctx, quote_id)
    read = quote_full_read(ctx, quote)
    data = quote_pdf(
        read,
        grouped(read),
        company=service.company_of(ctx),
        company_address=ctx.settings.company_address,
        customer=get_account(ctx.session, ctx.user, quote.account_id).name,
        term_titles=TERM_TITLES,
        brand=Brand.of(ctx.settings),
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="quote-{read.number}.pdf"'},
    )


@router.get("/portal/quotes/{quote_id}", response_class=HTMLResponse)
def quote_page(request: Request, ctx: RequestContext, quote_id: Id) -> HTMLResponse:
    """One quote, with accept and ask-for-changes."""
    customer(ctx)
    return _page(request, ctx, "portal/quote.html", {"q": service.quote(ctx, quote_id)})


@router.post("/portal/quotes/{quote_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    ctx: RequestContext,
    quote_id: Id,
    name: Annotated[str, Form(max_length=200)] = "",
    agree: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Accept the quote on behalf of the company (a typed name and a tick)."""
    try:
        if len(name.strip()) < 2:
            raise InvalidInput("name: who accepts on your company's side")
        if agree != "yes":
            raise InvalidInput("agree: tick that you accept on behalf of your company")
        service.accept_quote(ctx, quote_id, name)
    except (InvalidInput, ServitizeError) as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        ctx.session.rollback()
        q = service.quote(ctx, quote_id)
        return _page(request, ctx, "portal/quote.html", {"q": q, "error": exc.message}, 422)
    return RedirectResponse(f"/portal/quotes/{quote_id}?accepted=1", status_code=303)


@router.post("/portal/quotes/{quote_id}/changes", response_class=HTMLResponse)
def changes(
    request: Request,
    ctx: RequestContext,
    quote_id: Id,
    message: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Ask for changes to the quote: the owner reads the message on it."""
    if len(message.strip()) < 3:
        q = service.quote(customer(ctx), quote_id)
        error = "message: say what you would like changed"
        return _page(request, ctx, "portal/quote.html", {"q": q, "error": error}, 422)
    service.ask_changes(ctx, quote_id, message)
    return RedirectResponse(f"/portal/quotes/{quote_id}", status_code=303)


@router.get("/portal/sheets", response_class=HTMLResponse)
def sheets_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The sign-up sheets of the customer's accounts."""
    customer(ctx)
    return _page(request, ctx, "portal/sheets.html", {"sheets": service.sheets(ctx)})


@router.get("/portal/sheets/{sheet_id}.pdf")
def sheet_pdf_file(ctx: RequestContext, sheet_id: Id) -> Response:
    """The sign-up sheet as a PDF (the customer's copy, under the company's letterhead)."""
    customer(ctx)
    return Response(
        service.sheet_document(ctx, sheet_id),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="sign-up-sheet-{sheet_id}.pdf"'},
    )


@router.get("/portal/sheets/{sheet_id}", response_class=HTMLResponse)
def sheet_page(request: Request, ctx: RequestContext, sheet_id: Id) -> HTMLResponse:
    """One sheet: tick lines, type your name, sign."""
    customer(ctx)
    return _page(request, ctx, "portal/sheet.html", {"x": service.sheet(ctx, sheet_id)})


@router.post("/portal/sheets/{sheet_id}/sign", response_class=HTMLResponse)
def sign(
    request: Request,
    ctx: RequestContext,
    sheet_id: Id,
    line_ids: Annotated[list[Id], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    signer_name: Annotated[str, Form(max_length=200)] = "",
    agree: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Sign the sheet remotely: tick lines, type your name, tick that you sign."""
    name = signer_name.strip()
    problem = (
        "line_ids: tick at least one line"
        if not line_ids
        else "signer_name: type your name"
        if len(name) < 2
        else "agree: tick that you sign on behalf of your company"
        if agree != "yes"
        else None
    )
    if problem is not None:
        x = service.sheet(customer(ctx), sheet_id)
        return _page(request, ctx, "portal/sheet.html", {"x": x, "error": problem}, 422)
    service.sign_sheet(ctx, sheet_id, line_ids, name)
    return RedirectResponse(f"/portal/sheets/{sheet_id}", status_code=303)


@router.get("/portal/requests", response_class=HTMLResponse)
def requests_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The customer's service requests, and the form to ask for service."""
    customer(ctx)
    return _page(
        request,
        ctx,
        "portal/requests.html",
        {
            "requests": service.request_reads(ctx, service.service_requests(ctx)),
            "machines": service.machines(ctx),
            "accounts": service.accounts(ctx),
        },
    )


@router.post("/portal/requests", response_class=HTMLResponse)
def new_request(
    request: Request,
    ctx: RequestContext,
    account_id: Annotated[Id, Form()],
    text: Annotated[str, Form(max_length=4000)] = "",
    asset_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Ask for service."""
    try:
        body = s.RequestIn(
            account_id=account_id, asset_id=int(asset_id) if asset_id else None, text=text
        )
    except (ValueError, InvalidOperation) as exc:
        raise InvalidInput(f"text: say what you need (at least 3 characters); {exc}") from None
    service.open_request(ctx, body)
    return RedirectResponse("/portal/requests", status_code=303)


# ------------------------------------------------------------------------ staff pages


@router.get("/accounts/{account_id}/portal", response_class=HTMLResponse)
def account_portal(
    request: Request, ctx: RequestContext, account_id: Id, link: str | None = None
) -> HTMLResponse:
    """An account's portal users and open invitations, with the form to invite someone."""
    account = get_account(ctx.session, ctx.user, account_id)
    return render(
        request,
        "portal/account_portal.html",
        {
            "account": account,
            "users": inv.users(ctx, account_id),
            "invitations": inv.open_invitations(ctx, account_id),
            "may_invite": may(ctx.user, "portal.invite", own=account.owner_id == ctx.user.id),
        },
    )


@router.post("/accounts/{account_id}/portal/invite", response_class=HTMLResponse)
def invite(
    request: Request,
    ctx: RequestContext,
    account_id: Id,
    email: Annotated[str, Form(max_length=254)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Invite a customer's person: the page shows the link to send (and says if it was mailed)."""
    done = inv.invite(ctx, account_id, email, full_name)
    account = get_account(ctx.session, ctx.user, account_id)
    return render(
        request,
        "portal/account_portal.html",
        {
            "account": account,
            "users": inv.users(ctx, account_id),
            "invitations": inv.open_invitations(ctx, account_id),
            "may_invite": True,
            "done": done,
        },
    )


@router.post("/accounts/{account_id}/portal/users/{user_id}/revoke")
def revoke(ctx: RequestContext, account_id: Id, user_id: Id) -> Response:
    """End a customer user's access to this account."""
    inv.revoke(ctx, account_id, user_id)
    return RedirectResponse(f"/accounts/{account_id}/portal", status_code=303)


@router.get("/disputes", response_class=HTMLResponse)
def staff_disputes(
    request: Request,
    ctx: RequestContext,
    status: DisputeStatus | None = None,
    contract_id: Id | None = None,
) -> HTMLResponse:
    """Customers' downtime disputes (open first), each with its answer form."""
    return render(
        request,
        "portal/staff_disputes.html",
        {
            "disputes": [dispute_read(d) for d in dsp.disputes(ctx, status, contract_id)],
            "may_answer": may(ctx.user, "dispute.answer"),
            "state_words": STATE_WORDS,
            "contract_id": contract_id,
        },
    )


@router.post("/disputes/{dispute_id}/answer")
def staff_answer(
    request: Request,
    ctx: RequestContext,
    dispute_id: Id,
    decision: Annotated[str, Form(pattern="^(upheld|rejected)$")],
    answer: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Answer a dispute (upheld: the period is reclassified, audited)."""
    dsp.answer(ctx, store_of(request), dispute_id, decision == "upheld", answer)
    return RedirectResponse(f"/disputes#dispute-{dispute_id}", status_code=303)


@router.get("/quotes/{quote_id}/change-requests-panel", response_class=HTMLResponse)
def quote_changes_panel(request: Request, ctx: RequestContext, quote_id: Id) -> HTMLResponse:
    """The staff quote page's panel: what the customer asked to change (who, when, what, where it
    stands) with the forms to answer: a new revision, or closed with words."""
    reads, may_answer = service.staff_change_requests(ctx, quote_id)
    return render(
        request,
        "portal/_quote_changes.html",
        {"changes": reads, "may_answer": may_answer, "quote_id": quote_id},
    )


@router.post("/quotes/{quote_id}/change-requests/{request_id}/answer")
def quote_changes_answer(
    ctx: RequestContext,
    quote_id: Id,
    request_id: Id,
    action: Annotated[str, Form(pattern="^(revise|close)$")],
    answer: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Answer a customer's request for changes; a revision opens as a draft on its own page."""
    row = service.answer_change_request(ctx, request_id, action, answer)
    if row.quote_id != quote_id:
        raise NotFound(f"request for changes {request_id} not found on quote {quote_id}")
    return RedirectResponse(f"/quotes/{row.revision_id or quote_id}", status_code=303)


@router.get("/service-requests", response_class=HTMLResponse)
def staff_requests(
    request: Request, ctx: RequestContext, status: RequestStatus | None = RequestStatus.open
) -> HTMLResponse:
    """Customers' service requests, each to turn into a lead or a work order, or close."""
    return render(
        request,
        "portal/staff_requests.html",
        {
            "requests": service.request_reads(ctx, service.service_requests(ctx, status)),
            "may_handle": may(ctx.user, "request.handle", own=True),
            "may_work": may(ctx.user, "work.create"),
        },
    )


@router.post("/service-requests/{request_id}/handle")
def staff_handle(
    ctx: RequestContext,
    request_id: Id,
    action: Annotated[str, Form(pattern="^(lead|work_order|close)$")],
    estimated_value: Annotated[str, Form(max_length=20)] = "0",
) -> Response:
    """Turn a request into a lead (routed like any reported lead) or a work order, or close it."""
    try:
        value = Decimal(estimated_value or "0")
    except InvalidOperation:
        raise InvalidInput("estimated_value: a number") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput("estimated_value: a number from 0")
    service.handle_request(ctx, request_id, action, value)
    return RedirectResponse("/service-requests", status_code=303)
