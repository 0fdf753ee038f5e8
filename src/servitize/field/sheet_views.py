"""HTML pages of visits, sign-up sheets (with the signature pad and PDF) and recognition."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from servitize.core.errors import InvalidInput, reasons
from servitize.core.pages import render
from servitize.field import pdf, recognition, rules, service, sheets, visits
from servitize.field.models import SignUpSheet
from servitize.field.repository import lists as visit_lists
from servitize.field.schemas import BestPracticeCreate, Feedback, SheetRead, Signing, VisitCreate
from servitize.installed_base import service as ib
from servitize.installed_base.access import get_account, may, require
from servitize.kit.brand import Brand
from servitize.trust.context import Context
from servitize.trust.http import DbSession, RequestContext
from servitize.trust.models import Role

router = APIRouter(include_in_schema=False)
BADGES = {key: (label, why) for key, label, why in rules.BADGES}


def badge_labels(session: DbSession, user_id: int) -> list[tuple[str, str]]:
    """A user's badges as (label, why)."""
    return [BADGES[k] for k in recognition.badges_of(session, user_id)]


def _invalid(exc: ValidationError) -> InvalidInput:
    return InvalidInput(reasons(exc))


def _parties(ctx: Context, sheet: SignUpSheet) -> pdf.SheetParties:
    """The company (branding, else the company name) and the customer's address: the site of
    the sheet's visit, else the account's first site."""
    settings = ctx.settings
    visit = visits.get_visit(ctx.session, ctx.user, sheet.visit_id)
    sites = ib.sites_of(ctx.session, sheet.account_id)
    site = next((s for s in sites if s.id == visit.site_id), sites[0] if sites else None)
    customer = [] if site is None else [site.name, *pdf.address_lines(site.address or "")]
    if site is not None:
        customer.append(" ".join(p for p in (site.city, site.country) if p))
    brand = Brand.of(settings)  # the customer's document: the company's letterhead
    return pdf.SheetParties(
        company=brand.name,
        company_address=pdf.address_lines(settings.company_address),
        customer_address=[line for line in customer if line],
        terms=settings.field.sheet_terms,
        brand=brand,
    )


def _sheet(ctx: Context, sheet: SignUpSheet) -> SheetRead:
    """A sheet as shown, its total in the company currency of the settings."""
    return sheets.sheet_read(ctx.session, sheet, ctx.settings.company_currency, ctx.today)


@router.get("/visits/new", response_class=HTMLResponse)
def visit_form(
    request: Request, ctx: RequestContext, account_id: int | None = None
) -> HTMLResponse:
    """Plan a visit (technicians their own, service managers anyone's; 403 for the others)."""
    user = ctx.user
    require(user, "visit.plan", own=user.role == Role.technician.value)
    technicians = [user] if user.role == Role.technician.value else visits.technicians(ctx.session)
    return render(
        request,
        "field/visit_new.html",
        {
            "accounts": visits.visible_accounts(ctx.session, user),
            "account_id": account_id,
            "technicians": technicians,
            "today": ctx.today,
        },
    )


@router.post("/visits/new")
def visit_create(
    request: Request,
    ctx: RequestContext,
    account_id: Annotated[int, Form()],
    day: Annotated[date, Form()],
    job_type: Annotated[str, Form(max_length=40)] = "maintenance",
    technician_id: Annotated[int | None, Form()] = None,
    start_time: Annotated[str, Form(max_length=8)] = "",
    duration_minutes: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Store the visit and open it (a start time and a duration when given)."""
    try:
        body = VisitCreate.model_validate(
            {
                "account_id": account_id,
                "day": day,
                "job_type": job_type,
                "technician_id": technician_id,
                "start_time": start_time.strip() or None,
                "duration_minutes": duration_minutes.strip() or None,
            }
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    visit = visits.create_visit(ctx.session, ctx.user, body)
    return RedirectResponse(f"/visits/{visit.id}", status_code=303)


@router.get("/visits/{visit_id}", response_class=HTMLResponse)
def visit_page(visit_id: int, request: Request, ctx: RequestContext) -> HTMLResponse:
    """One visit: the account, its leads, sheets, and the customer's feedback."""
    session, user = ctx.session, ctx.user
    visit = visits.get_visit(session, user, visit_id)
    account = get_account(session, user, visit.account_id)
    page = service.inbox(
        session, user, "open", False, visit.account_id, 20, 0, ctx.today, ctx.settings.field
    )
    facts = visits.visit_facts(session, visit)
    return render(
        request,
        "field/visit.html",
        {
            "visit": visit,
            "account": account,
            "site": facts.site,
            "leads": page.items,
            "technician": facts.technician,
            "sheets": [
                s
                for s in sheets.sheets_of_account(session, visit.account_id)
                if s.visit_id == visit.id
            ],
            "feedback": facts.feedback,
            "is_mine": may(user, "sheet.prepare", own=visit.technician_id == user.id),
            # The customer's rating is recorded by the office, never by the visit's technician.
            "may_rate": visit.technician_id != user.id and may(user, "visit.feedback"),
        },
    )


@router.post("/visits/{visit_id}/sheets")
def sheet_create(visit_id: int, request: Request, ctx: RequestContext) -> Response:
    """Propose a sign-up sheet for the visit and open it (a second click opens the same sheet)."""
    session, user = ctx.session, ctx.user
    visit = visits.get_visit(session, user, visit_id)
    sheet = (
        sheets.proposed_sheet_of(session, visit.id)
        if may(user, "sheet.prepare", own=visit.technician_id == user.id)
        else None
    )
    sheet = sheet or sheets.propose_sheet(session, user, visit, ctx.today, ctx.settings.field)
    return RedirectResponse(f"/sheets/{sheet.id}", status_code=303)


@router.post("/visits/{visit_id}/feedback")
def feedback(
    visit_id: int,
    request: Request,
    ctx: RequestContext,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """The customer's stars for the visit."""
    visit = visits.get_visit(ctx.session, ctx.user, visit_id)
    recognition.record_feedback(
        ctx.session, ctx.user, visit, Feedback(rating=rating, comment=comment), ctx.today
    )
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)


@router.get("/sheets/{sheet_id}.pdf")
def sheet_pdf(sheet_id: int, ctx: RequestContext) -> Response:
    """The printable sheet, to tick and sign on paper (or the signed copy)."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    data = pdf.sheet_pdf(_sheet(ctx, sheet), sheet.signature, _parties(ctx, sheet))
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="sign-up-sheet-{sheet_id}.pdf"'},
    )


@router.get("/sheets/{sheet_id}", response_class=HTMLResponse)
def sheet_page(sheet_id: int, request: Request, ctx: RequestContext) -> HTMLResponse:
    """The sheet the customer ticks and signs on the screen."""
    session, user = ctx.session, ctx.user
    sheet = sheets.get_sheet(session, user, sheet_id)
    read = _sheet(ctx, sheet)
    on = {line.offering_id for line in read.lines}
    return render(
        request,
        "field/sheet.html",
        {
            "sheet": read,
            "signature": sheet.signature,
            "addable": [o for o in sheets.eligible_offerings(session) if o.id not in on],
            # The forms show only to who may use them (docs/access.md).
            "may_edit": sheet.status == "proposed"
            and may(user, "sheet.prepare", own=user.id == sheet.technician_id),
            "may_sign": may(user, "sheet.sign", own=user.id == sheet.technician_id),
        },
    )


@router.post("/sheets/{sheet_id}/lines")
def sheet_lines(
    sheet_id: int,
    request: Request,
    ctx: RequestContext,
    keep: Annotated[list[int] | None, Form()] = None,
    add: Annotated[int | None, Form()] = None,
) -> Response:
    """The technician removes or adds activities."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    ids = list(keep or []) + ([add] if add else [])
    if not ids:
        raise InvalidInput("a sheet needs at least one activity")
    sheets.set_lines(ctx.session, ctx.user, sheet, ids)
    return RedirectResponse(f"/sheets/{sheet_id}", status_code=303)


@router.post("/sheets/{sheet_id}/sign")
def sheet_sign(
    sheet_id: int,
    request: Request,
    ctx: RequestContext,
    signer_name: Annotated[str, Form(max_length=200)] = "",
    line_ids: Annotated[list[int] | None, Form()] = None,
    signed_on: Annotated[str, Form(max_length=8)] = "screen",
    signature: Annotated[str | None, Form()] = None,
) -> Response:
    """Ticked lines become orders; the sheet shows as signed."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    try:
        body = Signing(
            line_ids=line_ids or [],
            signer_name=signer_name,
            signed_on=signed_on,
            signature=signature or None,
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    sheets.sign(ctx.session, ctx.user, sheet, body, ctx.today, ctx.now, ctx.settings.field)
    return RedirectResponse(f"/sheets/{sheet_id}?signed=1", status_code=303)


@router.post("/sheets/{sheet_id}/cancel")
def sheet_cancel(
    sheet_id: int,
    request: Request,
    ctx: RequestContext,
    reason: Annotated[str, Form(min_length=3, max_length=300)],
) -> Response:
    """Nothing signed this time; the reason stays."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    sheets.cancel(ctx.session, ctx.user, sheet, reason)
    return RedirectResponse(f"/sheets/{sheet_id}", status_code=303)


@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(
    request: Request,
    ctx: RequestContext,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    region: Annotated[str | None, Query(max_length=80)] = None,
) -> HTMLResponse:
    """Standings of the month per region, contests, badges and best practices."""
    session, user = ctx.session, ctx.user
    region = user.territory if region is None else (region or None)
    board = recognition.leaderboard(session, month or ctx.today.strftime("%Y-%m"), region)
    regions = visits.technician_regions(session)
    return render(
        request,
        "field/leaderboard.html",
        {
            "board": board,
            "regions": regions,
            "badges": BADGES,
            "mine": badge_labels(session, user.id),
        },
    )


@router.post("/leaderboard/notes")
def share_note(
    request: Request,
    ctx: RequestContext,
    title: Annotated[str, Form(max_length=120)],
    body: Annotated[str, Form(max_length=4000)],
) -> Response:
    """Share a best practice."""
    try:
        note = BestPracticeCreate(title=title, body=body)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    recognition.share_practice(ctx.session, ctx.user, note)
    return RedirectResponse("/leaderboard", status_code=303)


@router.get("/accounts/{account_id}/field", response_class=HTMLResponse)
def account_field(account_id: int, request: Request, ctx: RequestContext) -> HTMLResponse:
    """Fragment for the account 360: routed leads with owners and clocks, the latest visits
    (day, time of day, duration, technician) and sign-up sheets."""
    session, user = ctx.session, ctx.user
    get_account(session, user, account_id)
    leads = service.inbox(
        session, user, None, False, account_id, 10, 0, ctx.today, ctx.settings.field
    )
    return render(
        request,
        "field/_account_field.html",
        {
            "leads": leads,
            "account_id": account_id,
            "visits": visit_lists.visits_of_account(session, account_id, user, 10),
            "sheets": sheets.sheet_reads(
                session,
                sheets.readable_sheets_of_account(session, user, account_id),
                ctx.settings.company_currency,
                ctx.today,
            ),
        },
    )
