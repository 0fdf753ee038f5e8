"""HTML pages of service work: the work list (/work, CSV), a work order on the phone
(/work/{id}, offline-tolerant like the lead report), the dispatch board (/dispatch) and the
preventive-maintenance plans (/pm-plans)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from servitize.core.dates import SaneDate
from servitize.core.errors import InvalidInput, ServitizeError
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import may
from servitize.kit.export import EXPORT_MAX_ROWS, Table, respond
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.service_work import dispatch, plans, rules, service
from servitize.service_work.repository import Filters
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
Opt = Annotated[str | None, Form(max_length=600)]
StatusFilter = Annotated[
    str | None, Query(pattern="^(|open|new|scheduled|in_progress|done|cancelled)$")
]
SourceFilter = Annotated[
    str | None, Query(pattern="^(|manual|visit|lead|sign_up|request|alert|plan)$")
]
SOURCES = ("manual", "visit", "lead", "sign_up", "request", "alert", "plan")
PAGE_SIZE = 50


def wants_json(request: Request) -> bool:
    """The work page's script sends with ``X-Requested-With: fetch`` and reads JSON back."""
    return request.headers.get("x-requested-with") == "fetch"


def _int(name: str, text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or len(text.strip()) > 18:
        raise InvalidInput(f"{name}: not a number: {text!r}")
    return int(text.strip())


def _float(name: str, text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{name}: not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(f"{name}: not a number: {text!r}")
    return value


def _day(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}: a date as YYYY-MM-DD, not {text!r}") from None
    if not 1900 <= day.year <= 2100:
        raise InvalidInput(f"{name}: {day} is outside the accepted years")
    return day


# ---- the work list ------------------------------------------------------------------------------


def _filters(
    status: str | None,
    technician_id: int | None,
    account_id: int | None,
    due: date | None,
    source: str | None = None,
) -> Filters:
    return Filters(status or None, technician_id, account_id, due, source or None)


def _list_context(ctx: Context, f: Filters, page_no: int) -> dict[str, Any]:
    rows, total = service.page(ctx, f, page_no, PAGE_SIZE)
    query = {
        k: v
        for k, v in {
            "status": f.status,
            "technician_id": f.technician_id,
            "account_id": f.account_id,
            "due": f.due_before.isoformat() if f.due_before else None,
            "source": f.source,
        }.items()
        if v
    }
    pages = -(-total // PAGE_SIZE)
    return {
        "rows": rows,
        "names": service.names(ctx, rows),
        "total": total,
        "f": f,
        "statuses": rules.STATUSES,
        "sources": SOURCES,
        "labels": rules.LABELS,
        "technicians": dispatch.technicians(ctx),
        "accounts": service.account_choices(ctx),
        "kinds": service.KINDS,
        "query": urlencode(query),
        "prev": urlencode(query | {"page": page_no - 1}) if page_no > 1 else None,
        "next": urlencode(query | {"page": page_no + 1}) if page_no < pages else None,
        "may_create": may(ctx.user, "work.create"),
    }


@router.get("/work", response_class=HTMLResponse)
def work_list(
    request: Request,
    ctx: RequestContext,
    status: StatusFilter = None,
    technician_id: Id | None = None,
    account_id: Id | None = None,
    due: SaneDate | None = None,
    source: SourceFilter = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Work orders with filters: status, technician, account, due by, where they came from."""
    f = _filters(status, technician_id, account_id, due, source)
    return render(request, "service_work/list.html", _list_context(ctx, f, page))


@router.get("/work.{fmt}")
def work_file(
    ctx: RequestContext,
    fmt: Literal["csv", "xlsx"],
    status: StatusFilter = None,
    technician_id: Id | None = None,
    account_id: Id | None = None,
    due: SaneDate | None = None,
    source: SourceFilter = None,
) -> Response:
    """The filtered work list as CSV or XLSX (every row, not only one page)."""
    rows = service.export(
        ctx, _filters(status, technician_id, account_id, due, source), EXPORT_MAX_ROWS + 1
    )
    cut = len(rows) > EXPORT_MAX_ROWS
    rows = rows[:EXPORT_MAX_ROWS]
    n = service.names(ctx, rows)
    table = Table(
        ["number", "title", "account", "machine", "status", "technician", "due_on", "source"],
        [
            [
                w.number,
                w.title,
                n.account(w),
                n.machine(w),
                w.status,
                n.technician(w),
                w.due_on,
                w.source,
            ]
            for w in rows
        ],
        cut,
    )
    return respond(table, fmt, "work-orders")


@router.post("/work")
def create_work_page(
    request: Request,
    ctx: RequestContext,
    account_id: Opt = None,
    title: Opt = None,
    asset_id: Opt = None,
    kind: Opt = None,
    required_skill: Opt = None,
    due_on: Opt = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    visit_id: Opt = None,
    lead_id: Opt = None,
) -> Response:
    """Open a work order from the list's form (or a visit's or lead's button)."""
    values = {"account_id": account_id, "title": title, "description": description}

    def change() -> Any:
        account = _int("account_id", account_id)
        if account is None:
            raise InvalidInput("account_id: pick the customer")
        return service.create(
            ctx,
            service.Opening(
                account_id=account,
                title=title or "",
                asset_id=_int("asset_id", asset_id),
                kind=kind or "repair",
                required_skill=required_skill,
                due_on=_day("due_on", due_on),
                description=description,
                visit_id=_int("visit_id", visit_id),
                lead_id=_int("lead_id", lead_id),
            ),
        )

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda w: RedirectResponse(f"/work/{w.id}", status_code=303),
        FormPage("service_work/list.html", lambda: _list_context(ctx, Filters(), 1)),
        values,
    )


# ---- one work order, on the phone ---------------------------------------------------------------


def _work_context(ctx: Context, work_order_id: int) -> dict[str, Any]:
    w = service.get(ctx, work_order_id)
    used = service.usage(ctx, w)
    cents, currency = used.parts_cost()
    return {
        "w": w,
        "names": service.names(ctx, [w]),
        "visit": dispatch.slot_visit(ctx, w),
        "entries": service.entries(ctx, w),
        "hours": used.hours,
        "parts_cents": cents,
        "parts_currency": currency,
        "parts": service.spare_parts(ctx),
        "moves": [m for m in rules.MOVES.get(w.status, ()) if m not in ("new", "scheduled")],
        "labels": rules.LABELS,
        "may_update": service.may_update(ctx.user, w),
        "may_schedule": may(ctx.user, "work.schedule"),
        "open": rules.is_open(w.status),
    }


@router.get("/work/mine", response_class=HTMLResponse)
def my_work(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The user's open work orders (a fragment the technician's Today loads)."""
    rows = service.my_open_work(ctx)
    return render(
        request,
        "service_work/_mine.html",
        {"rows": rows, "names": service.names(ctx, rows), "labels": rules.LABELS},
    )


@router.get("/work/{work_order_id}", response_class=HTMLResponse)
def work_page(request: Request, ctx: RequestContext, work_order_id: Id) -> HTMLResponse:
    """One work order: status, checklist, hours, parts, photos, notes; made for the phone."""
    return render(request, "service_work/work.html", _work_context(ctx, work_order_id))


def _answer(
    request: Request, ctx: Context, work_order_id: int, change: Callable[[], Any]
) -> Response:
    """Run a change of the work page: JSON for its script (so a phone can queue and resend),
    a redirect back for a plain form; a refusal is the error's status and message."""
    back = f"/work/{work_order_id}"
    if not wants_json(request):
        change()
        return RedirectResponse(back, status_code=303)
    try:
        with ctx.session.begin_nested():
            change()
    except ServitizeError as exc:
        return JSONResponse({"ok": False, "detail": exc.message}, status_code=exc.status_code)
    return JSONResponse({"ok": True, "redirect": back})


@router.post("/work/{work_order_id}/status")
def move_page(
    request: Request,
    ctx: RequestContext,
    work_order_id: Id,
    status: Annotated[str, Form(max_length=16)],
    note: Opt = None,
    client_key: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """A status button (Start, Done, Cancel)."""
    return _answer(
        request,
        ctx,
        work_order_id,
        lambda: service.move(ctx, work_order_id, status, note, client_key or None),
    )


@router.post("/work/{work_order_id}/checklist")
def tick_page(
    request: Request,
    ctx: RequestContext,
    work_order_id: Id,
    index: Annotated[str, Form(max_length=4)],
    done: Opt = None,
    item: Opt = None,
) -> Response:
    """Tick or untick a checklist item (or add one: ``item``)."""

    def change() -> Any:
        if item and item.strip():
            return service.add_checklist_item(ctx, work_order_id, item)
        number = _int("index", index)
        return service.tick(ctx, work_order_id, number or 0, done in ("1", "true", "on"))

    return _answer(request, ctx, work_order_id, change)


@router.post("/work/{work_order_id}/entries")
def entry_page(
    request: Request,
    ctx: RequestContext,
    work_order_id: Id,
    kind: Annotated[str, Form(max_length=8)],
    text: Annotated[str | None, Form(max_length=4000)] = None,
    hours: Opt = None,
    offering_id: Opt = None,
    quantity: Opt = None,
    client_key: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """A note, hours worked or a part used."""
    return _answer(
        request,
        ctx,
        work_order_id,
        lambda: service.log(
            ctx,
            work_order_id,
            service.LogLine(
                kind,
                text,
                _float("hours", hours),
                _int("offering_id", offering_id),
                _float("quantity", quantity),
                client_key or None,
            ),
        ),
    )


def _data_url(text: str) -> tuple[str, bytes]:
    """The type and bytes of a ``data:image/jpeg;base64,...`` photo the phone kept offline."""
    head, _, body = text.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise InvalidInput("photo_data: a data URL of a picture")
    try:
        return head[5:].split(";")[0], base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("photo_data: not base64") from None


@router.post("/work/{work_order_id}/photos")
def photo_page(
    request: Request,
    ctx: RequestContext,
    work_order_id: Id,
    file: Annotated[UploadFile | None, File()] = None,
    photo_data: Annotated[str | None, Form(max_length=8_000_000)] = None,
    caption: Opt = None,
    client_key: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Upload a photo (a file, or the small picture the phone made and kept offline)."""
    limit = ctx.settings.work.photo_max_bytes

    def change() -> Any:
        if file is not None and file.filename:
            kind, data = file.content_type or "", file.file.read(limit + 1)
        elif photo_data:
            kind, data = _data_url(photo_data)
        else:
            kind, data = "", b""  # refused by the service (after it asked who may)
        return service.add_photo(ctx, work_order_id, kind, data, caption, client_key or None)

    return _answer(request, ctx, work_order_id, change)


@router.get("/work/{work_order_id}/photos/{entry_id}")
def photo_file(ctx: RequestContext, work_order_id: Id, entry_id: Id) -> Response:
    """A photo of a work order, for who may see the work order."""
    path, kind = service.photo(ctx, work_order_id, entry_id)
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/work/{work_order_id}/unschedule")
def unschedule_page(ctx: RequestContext, work_order_id: Id) -> Response:
    """Take scheduled work off the board."""
    dispatch.unschedule(ctx, work_order_id)
    return RedirectResponse("/dispatch", status_code=303)


# ---- the dispatch board -------------------------------------------------------------------------


def _board_context(
    ctx: Context, week: date | None, weekends: bool, message: str = ""
) -> dict[str, Any]:
    b = dispatch.board(ctx, week, weekends)
    return {
        "b": b,
        "today": ctx.today,
        "labels": rules.LABELS,
        "message": message,
        "default_start": ctx.settings.work.day_start,
        "default_minutes": ctx.settings.work.default_minutes,
        "may_schedule": may(ctx.user, "work.schedule"),
    }


@router.get("/dispatch", response_class=HTMLResponse)
def board_page(
    request: Request,
    ctx: RequestContext,
    week: SaneDate | None = None,
    weekends: bool = False,
    message: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    """The week per technician, the unscheduled work beside it; drag a card or use the form."""
    return render(
        request, "service_work/dispatch.html", _board_context(ctx, week, weekends, message)
    )


@router.post("/dispatch/schedule")
def schedule_page(
    request: Request,
    ctx: RequestContext,
    target: Annotated[str, Form(max_length=40)],
    technician_id: Annotated[str, Form(max_length=20)],
    day: Annotated[str, Form(max_length=20)],
    start: Opt = None,
    minutes: Opt = None,
    week: Opt = None,
    weekends: Opt = None,
) -> Response:
    """Schedule the chosen work (``w:<work order id>`` or ``l:<sheet line id>``)."""
    shown = _day("week", week) if week else None
    with_weekends = weekends in ("1", "true", "on")
    values = {"target": target, "technician_id": technician_id, "day": day, "start": start}

    def change() -> Any:
        kind, _, ident = target.partition(":")
        number = _int("target", ident)
        tech = _int("technician_id", technician_id)
        when = _day("day", day)
        if number is None or kind not in ("w", "l"):
            raise InvalidInput("target: pick the work to schedule")
        if tech is None:
            raise InvalidInput("technician_id: pick the technician")
        if when is None:
            raise InvalidInput("day: pick the day")
        at = rules.parse_time(start) if start and start.strip() else None
        length = _int("minutes", minutes)
        if kind == "l":
            return dispatch.schedule_sold_line(ctx, number, tech, when, at, length)
        return dispatch.schedule(ctx, number, tech, when, at, length)

    def done(w: Any) -> Response:
        query = {"week": (shown or _day("day", day) or ctx.today).isoformat()}
        if with_weekends:
            query["weekends"] = "true"
        query["message"] = f"{w.number} scheduled"
        return RedirectResponse(f"/dispatch?{urlencode(query)}", status_code=303)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        done,
        FormPage(
            "service_work/dispatch.html",
            lambda: _board_context(ctx, shown, with_weekends),
            # HTMX: the board again with the reason (200, so HTMX swaps it in: hx-select)
            fragment="service_work/dispatch.html",
        ),
        values,
    )


@router.post("/dispatch/skills/{user_id}")
def skills_page(
    ctx: RequestContext, user_id: Id, skills: Annotated[str, Form(max_length=800)] = ""
) -> Response:
    """A technician's skills, comma-separated."""
    dispatch.set_skills(ctx, user_id, skills.split(","))
    return RedirectResponse("/dispatch?message=skills+saved", status_code=303)


# ---- preventive-maintenance plans ---------------------------------------------------------------


def _plans_context(ctx: Context, message: str = "") -> dict[str, Any]:
    rows = plans.plans(ctx)
    return {
        "plans": rows,
        "outlook": {p.id: plans.outlook(ctx, p) for p in rows},
        "accounts": service.account_names_of(ctx, {p.account_id for p in rows}),
        "choices": service.account_choices(ctx),
        "kinds": service.KINDS,
        "message": message,
        "lead_days": ctx.settings.work.plan_lead_days,
        "may_edit": may(ctx.user, "pm_plan.edit"),
    }


@router.get("/pm-plans", response_class=HTMLResponse)
def plans_page(
    request: Request, ctx: RequestContext, message: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    """The preventive-maintenance plans, a form for a new one, and "generate now"."""
    return render(request, "service_work/plans.html", _plans_context(ctx, message))


@router.post("/pm-plans")
def create_plan_page(
    request: Request,
    ctx: RequestContext,
    name: Opt = None,
    account_id: Opt = None,
    asset_id: Opt = None,
    contract_id: Opt = None,
    every: Opt = None,
    unit: Opt = None,
    start_on: Opt = None,
    kind: Opt = None,
    checklist: Annotated[str | None, Form(max_length=4000)] = None,
    required_skill: Opt = None,
) -> Response:
    """Make a plan from the form."""
    values = {"name": name, "account_id": account_id, "asset_id": asset_id, "every": every}

    def change() -> Any:
        account = _int("account_id", account_id)
        if account is None:
            raise InvalidInput("account_id: pick the customer")
        interval = _float("every", every)
        if interval is None:
            raise InvalidInput("every: how often (a number of months or hours)")
        months = unit != "hours"
        if months and not interval.is_integer():
            raise InvalidInput("every: whole months")
        return plans.create(
            ctx,
            plans.PlanIn(
                name=name or "",
                account_id=account,
                start_on=_day("start_on", start_on) or ctx.today,
                asset_id=_int("asset_id", asset_id),
                contract_id=_int("contract_id", contract_id),
                interval_months=int(interval) if months else None,
                interval_hours=None if months else interval,
                kind=kind or "maintenance",
                checklist=(checklist or "").splitlines(),
                required_skill=required_skill,
            ),
        )

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda p: RedirectResponse(
            f"/pm-plans?{urlencode({'message': f'plan {p.name} made'})}", status_code=303
        ),
        FormPage("service_work/plans.html", lambda: _plans_context(ctx)),
        values,
    )


@router.post("/pm-plans/run")
def run_plans_page(ctx: RequestContext, plan_id: Opt = None) -> Response:
    """Generate now: open the work orders due within the lead time."""
    result = plans.run(ctx, _int("plan_id", plan_id))
    said = f"{len(result.opened)} work orders opened; {result.checked} machines checked"
    return RedirectResponse(f"/pm-plans?{urlencode({'message': said})}", status_code=303)


@router.post("/pm-plans/{plan_id}/active")
def plan_active_page(
    ctx: RequestContext, plan_id: Id, active: Annotated[str, Form(max_length=8)] = ""
) -> Response:
    """Pause or resume a plan."""
    p = plans.set_active(ctx, plan_id, active in ("1", "true", "on"))
    said = f"plan {p.name} {'resumed' if p.active else 'paused'}"
    return RedirectResponse(f"/pm-plans?{urlencode({'message': said})}", status_code=303)
