"""HTML pages of the field: the technician's Today, the lead report, the lead inbox.

Sheets, visits and the leaderboard live in ``sheet_views``; ``router`` serves them all.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.pages import render
from servitize.field import list_views, rules, service, sheet_views, visits
from servitize.field.models import LeadRoute
from servitize.field.repository.leads import INBOX_SORTS
from servitize.field.schemas import LeadReport
from servitize.installed_base.access import may
from servitize.kit.export import EXPORT_MAX_ROWS, Table, respond
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.trust.context import Context
from servitize.trust.http import RequestContext
from servitize.trust.lists import list_links
from servitize.trust.models import Role

router = APIRouter(include_in_schema=False)
router.include_router(sheet_views.router)
router.include_router(list_views.router)

STAGES = ("open", "escalated", "won", "lost", "dismissed", "all")
Opt = Annotated[str | None, Form(max_length=600)]


def wants_json(request: Request) -> bool:
    """The report page's script sends with ``X-Requested-With: fetch`` and reads JSON back."""
    return request.headers.get("x-requested-with") == "fetch"


@router.get("/today", response_class=HTMLResponse)
def today_page(request: Request, ctx: RequestContext) -> Response:
    """The technician's day: visits, the leads attached to each with their stories."""
    if ctx.user.role != Role.technician.value:
        return RedirectResponse("/inbox", status_code=303)
    day = ctx.today
    todays, coming, loose = visits.my_day(ctx.session, ctx.user, day, s=ctx.settings.field)
    return render(
        request,
        "field/today.html",
        {
            "day": day,
            "todays": todays,
            "coming": coming,
            "loose": loose,
            "badges": sheet_views.badge_labels(ctx.session, ctx.user.id),
        },
    )


def _report_context(
    ctx: Context, account_id: int | None, visit_id: int | None, asset_id: int | None
) -> dict[str, Any]:
    session, user = ctx.session, ctx.user
    accounts = visits.visible_accounts(session, user)
    if account_id is None and accounts:
        account_id = accounts[0].id
    return {
        "accounts": accounts,
        "account_id": account_id,
        "visit_id": visit_id,
        "asset_id": asset_id,
        "seen": rules.SEEN,
        "sizes": rules.SIZES,
        "assets": visits.assets_of(session, user, account_id) if account_id else [],
        "threshold": ctx.settings.field.threshold,
    }


@router.get("/report", response_class=HTMLResponse)
def report_form(
    request: Request,
    ctx: RequestContext,
    account_id: int | None = None,
    visit_id: int | None = None,
    asset_id: int | None = None,
) -> HTMLResponse:
    """The lead report: pick the machine, what was seen, a size; sent in seconds."""
    context = _report_context(ctx, account_id, visit_id, asset_id)
    return render(request, "field/report.html", context)


@router.get("/report/assets", response_class=HTMLResponse)
def report_assets(request: Request, ctx: RequestContext, account_id: int) -> HTMLResponse:
    """The machine picker of one account (HTMX fragment)."""
    return render(
        request,
        "field/_asset_options.html",
        {"assets": visits.assets_of(ctx.session, ctx.user, account_id), "asset_id": None},
    )


def _amount(size: str | None, value: str | None) -> Decimal:
    if value and value.strip():
        try:
            return Decimal(value.strip().replace(" ", "").replace(",", ""))
        except InvalidOperation as exc:
            raise InvalidInput("the size estimate is not a number") from exc
    if size in rules.SIZES:
        return Decimal(rules.SIZES[size][1])
    raise InvalidInput("pick a size estimate")


def _id(name: str, text: str | None) -> int | None:
    """An optional id sent as text; InvalidInput naming the field when it is not a number."""
    if not text or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{name}: not a number: {text!r}") from None


def _report_render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """The form again; the report page's script (``wants_json``) reads the reason as JSON."""
    if wants_json(request):
        return JSONResponse({"ok": False, "detail": context["error"]}, status_code=status_code)
    return render(request, name, context, status_code)


@router.post("/report", response_model=None)
def report_submit(
    request: Request,
    ctx: RequestContext,
    account_id: Annotated[int, Form()],
    seen: Annotated[str, Form(max_length=32)],
    observation: Opt = None,
    size: Opt = None,
    value: Opt = None,
    asset_id: Opt = None,
    visit_id: Opt = None,
    photo: Annotated[str | None, Form()] = None,
    client_key: Opt = None,
) -> Response:
    """Store and route the report in a savepoint; the answer names who works the lead now.

    Refused, nothing of it is kept and the form comes back with the reason (422 or the
    error's status) and the visit and machine it was sent for.
    """

    def report() -> LeadRoute:
        note = (observation or "").strip() or rules.SEEN.get(seen, ("", ""))[0]
        body = LeadReport(
            account_id=account_id,
            seen=seen,
            observation=note,
            estimated_value=_amount(size, value),
            asset_id=_id("asset_id", asset_id),
            visit_id=_id("visit_id", visit_id),
            photo=photo or None,
            client_key=client_key or None,
        )
        return service.report_lead(
            ctx.session, ctx.user, body, ctx.today, ctx.settings.field, ctx.settings
        )

    def done(row: LeadRoute) -> Response:
        target = f"/inbox/{row.lead_id}?reported=1"
        if wants_json(request):
            return JSONResponse({"ok": True, "redirect": target, "route": row.route})
        return RedirectResponse(target, status_code=303)

    def again() -> dict[str, Any]:
        ids = {}
        for name, text in (("visit_id", visit_id), ("asset_id", asset_id)):
            ids[name] = int(text) if text and text.strip().isdigit() else None
        return _report_context(ctx, account_id, ids["visit_id"], ids["asset_id"])

    values = {"seen": seen, "observation": observation, "size": size, "value": value}
    return save_or_show_again(
        request,
        ctx.session,
        report,
        done,
        FormPage("field/report.html", again),
        values,
        render=_report_render,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    ctx: RequestContext,
    stage: Annotated[str, Query(pattern="^(" + "|".join(STAGES) + ")$")] = "open",
    mine: bool = False,
    reported: bool = False,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    sort: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Every lead of the user's accounts (owners), their own (technicians), with clocks;
    ``reported``: the leads the user reported, with where each stands; sorted by a column."""
    order = INBOX_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    filters = {
        "stage": stage,
        "mine": "true" if mine else "",
        "reported": "true" if reported else "",
    }
    shown = list_links(ctx, "/inbox", filters, order, INBOX_SORTS)
    page = service.inbox(
        ctx.session,
        ctx.user,
        None if stage == "all" else stage,
        mine,
        None,
        25,
        offset,
        ctx.today,
        ctx.settings.field,
        reported,
        order,
    )
    return render(
        request,
        "field/inbox.html",
        {
            "list": shown,
            "sorts": (("reported", "Reported"), ("account", "Account"), ("value", "Value")),
            "page": page,
            "stage": stage,
            "stages": STAGES,
            "mine": mine,
            "reported": reported,
            "next": offset + 25 if offset + 25 < page.total else None,
            "prev": max(offset - 25, 0) if offset else None,
        },
    )


@router.get("/inbox.{fmt}")
def inbox_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    stage: Annotated[str, Query(pattern="^(" + "|".join(STAGES) + ")$")] = "open",
    mine: bool = False,
    reported: bool = False,
    sort: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The leads list as CSV or XLSX: every page of what it shows, so filtered and sorted; the
    estimated value in whole units as the page shows it."""
    found = service.inbox(
        ctx.session,
        ctx.user,
        None if stage == "all" else stage,
        mine,
        None,
        EXPORT_MAX_ROWS,
        0,
        ctx.today,
        ctx.settings.field,
        reported,
        INBOX_SORTS.parse(sort),
    )
    rows = [
        [
            it.lead_id,
            it.account,
            it.offering_key.replace("tech:", "").replace("_", " "),
            it.estimated_value.quantize(Decimal(1)),
            it.currency,
            "technician" if it.route == "technician" else "account owner",
            (it.assigned_to.full_name or it.assigned_to.username) if it.assigned_to else None,
            it.stage,
            it.due,
            it.source,
            it.reported_at.date(),
        ]
        for it in found.items
    ]
    headings = ["Lead", "Account", "Offering", "Value", "Currency", "Route", "Assigned to"]
    table = Table(
        [*headings, "Stage", "Due", "Source", "Reported"], rows, cut=found.total > len(rows)
    )
    return respond(table, fmt, "leads")


@router.get("/inbox/{lead_id}", response_class=HTMLResponse)
def lead_page(
    lead_id: int, request: Request, ctx: RequestContext, reported: bool = False
) -> HTMLResponse:
    """One routed lead: story, evidence, clock, and the next steps."""
    user = ctx.user
    it, row = service.lead_item(ctx.session, user, lead_id, ctx.today, ctx.settings.field)
    may_act = may(user, "lead.act", own=row.assigned_to_id == user.id)  # docs/access.md
    return render(
        request,
        "field/lead.html",
        {
            "it": it,
            "photo": row.photo,
            "reported": reported,
            "may_act": may_act,
            "may_open": may(user, "opportunity.create"),  # sales.editing_views opens it
            "actions": [
                a
                for a, (allowed, _t) in rules.TRANSITIONS.items()
                if it.stage in allowed
                and not (a == "act" and user.role == Role.technician.value)
                and not (a == "confirm" and user.role != Role.technician.value)
            ],
        },
    )


@router.post("/accounts/{account_id}/owner")
def hand_over_page(
    account_id: int, ctx: RequestContext, owner_id: Annotated[int, Form()]
) -> Response:
    """The 360's hand-over form: a new owner, the open owner leads with them."""
    service.hand_over_account(ctx.session, ctx.user, account_id, owner_id)
    return RedirectResponse(f"/accounts/{account_id}", status_code=303)


@router.post("/inbox/{lead_id}/action")
def lead_action(
    lead_id: int,
    request: Request,
    ctx: RequestContext,
    action: Annotated[str, Form(max_length=16)],
    reason: Opt = None,
) -> Response:
    """A button on the lead page moves its clock."""
    note = (reason or "").strip() or None
    service.act(
        ctx.session, ctx.user, lead_id, action, note, ctx.today, ctx.now, ctx.settings.intelligence
    )
    return RedirectResponse(f"/inbox/{lead_id}", status_code=303)
