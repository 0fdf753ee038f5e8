"""REST routes of service work under /api/v1: work orders (/work), the dispatch board
(/dispatch) and preventive-maintenance plans (/pm-plans). Bad input answers 422 naming the field,
an illegal status move or a clashing slot 409."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from servitize.core.dates import SaneDate
from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.kit.page_query import PageQuery
from servitize.service_work import alerts, dispatch, plans, rules, service
from servitize.service_work.repository import Filters
from servitize.service_work.schemas import (
    ChecklistItem,
    EntryIn,
    PlanChange,
    PlanCreate,
    PlanRun,
    Scheduling,
    Skills,
    StatusMove,
    Tick,
    WorkCreate,
)
from servitize.trust.http import RequestContext

router = APIRouter(tags=["service work"])
StatusFilter = Annotated[
    str | None, Query(pattern="^(open|new|scheduled|in_progress|done|cancelled)$")
]


@router.get("/work")
def list_work(
    ctx: RequestContext,
    params: PageQuery,
    status: StatusFilter = None,
    technician_id: Id | None = None,
    account_id: Id | None = None,
    due_before: SaneDate | None = None,
    source: Annotated[
        str | None, Query(pattern="^(manual|visit|lead|sign_up|request|alert|plan)$")
    ] = None,
) -> dict[str, Any]:
    """Work orders of the user's accounts, newest first, filtered."""
    f = Filters(status, technician_id, account_id, due_before, source)
    rows, total = service.page(ctx, f, params.page, params.size)
    n = service.names(ctx, rows)
    return {
        "items": [service.as_dict(w, n) for w in rows],
        "total": total,
        "page": params.page,
        "size": params.size,
    }


@router.post("/work", status_code=201)
def create_work(data: WorkCreate, ctx: RequestContext) -> dict[str, Any]:
    """Open a work order by hand, from a visit or from a lead."""
    w = service.create(
        ctx,
        service.Opening(
            account_id=data.account_id,
            title=data.title,
            asset_id=data.asset_id,
            description=data.description,
            kind=data.kind,
            required_skill=data.required_skill,
            due_on=data.due_on,
            checklist=list(data.checklist),
            visit_id=data.visit_id,
            lead_id=data.lead_id,
        ),
    )
    return dispatch.detail(ctx, w.id)


@router.post("/work/alerts/scan")
def scan_alerts(ctx: RequestContext) -> dict[str, Any]:
    """Run the machine-alert rules over consented telemetry; the cases opened."""
    return alerts.scan(ctx).as_dict()


@router.get("/work/{work_order_id}")
def get_work(work_order_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """One work order with its slot, hours, parts and log."""
    return dispatch.detail(ctx, work_order_id)


@router.post("/work/{work_order_id}/status")
def move_work(work_order_id: Id, data: StatusMove, ctx: RequestContext) -> dict[str, Any]:
    """Move the status (409 for a move the rules do not allow)."""
    service.move(ctx, work_order_id, data.status, data.note, data.client_key)
    return dispatch.detail(ctx, work_order_id)


@router.post("/work/{work_order_id}/checklist")
def tick_item(work_order_id: Id, data: Tick, ctx: RequestContext) -> dict[str, Any]:
    """Tick or untick a checklist item."""
    service.tick(ctx, work_order_id, data.index, data.done)
    return dispatch.detail(ctx, work_order_id)


@router.post("/work/{work_order_id}/checklist/items", status_code=201)
def add_item(work_order_id: Id, data: ChecklistItem, ctx: RequestContext) -> dict[str, Any]:
    """Add a checklist item."""
    service.add_checklist_item(ctx, work_order_id, data.item)
    return dispatch.detail(ctx, work_order_id)


@router.post("/work/{work_order_id}/entries", status_code=201)
def add_entry(work_order_id: Id, data: EntryIn, ctx: RequestContext) -> dict[str, Any]:
    """Log a note, hours worked or a spare part used."""
    e = service.log(
        ctx,
        work_order_id,
        service.LogLine(
            data.kind, data.text, data.hours, data.offering_id, data.quantity, data.client_key
        ),
    )
    return service.entry_dict(e)


@router.post("/work/{work_order_id}/photos", status_code=201)
def add_photo(
    work_order_id: Id,
    ctx: RequestContext,
    file: Annotated[UploadFile | None, File()] = None,
    caption: Annotated[str | None, Form(max_length=500)] = None,
) -> dict[str, Any]:
    """Upload a photo of the work (JPEG, PNG or WebP, up to the configured size)."""
    limit = ctx.settings.work.photo_max_bytes
    data = file.file.read(limit + 1) if file is not None else b""
    kind = (file.content_type or "") if file is not None else ""
    e = service.add_photo(ctx, work_order_id, kind, data, caption)
    return service.entry_dict(e)


@router.post("/work/{work_order_id}/unschedule")
def unschedule_work(work_order_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """Take scheduled work off the board (back to the unscheduled list)."""
    dispatch.unschedule(ctx, work_order_id)
    return dispatch.detail(ctx, work_order_id)


@router.get("/dispatch")
def get_board(
    ctx: RequestContext, week: SaneDate | None = None, weekends: bool = False
) -> dict[str, Any]:
    """The dispatch board of the week holding ``week`` (this week by default)."""
    return dispatch.board_dict(dispatch.board(ctx, week, weekends))


@router.post("/dispatch/schedule")
def schedule(data: Scheduling, ctx: RequestContext) -> dict[str, Any]:
    """Schedule a work order, or dispatch a signed sheet line, into a technician's day."""
    start = rules.parse_time(data.start) if data.start else None
    if (data.work_order_id is None) == (data.line_id is None):
        raise InvalidInput("work_order_id: give either work_order_id or line_id")
    if data.line_id is not None:
        w = dispatch.schedule_sold_line(
            ctx, data.line_id, data.technician_id, data.day, start, data.minutes
        )
    else:
        assert data.work_order_id is not None
        w = dispatch.schedule(
            ctx, data.work_order_id, data.technician_id, data.day, start, data.minutes
        )
    return dispatch.detail(ctx, w.id)


@router.get("/dispatch/skills")
def list_skills(ctx: RequestContext) -> dict[str, list[str]]:
    """Every technician's skills, by user id."""
    return {str(k): v for k, v in dispatch.skills(ctx).items()}


@router.put("/dispatch/skills/{user_id}")
def put_skills(user_id: Id, data: Skills, ctx: RequestContext) -> dict[str, Any]:
    """Replace a technician's skills."""
    return {"user_id": user_id, "skills": dispatch.set_skills(ctx, user_id, list(data.skills))}


@router.get("/pm-plans")
def list_plans(ctx: RequestContext) -> list[dict[str, Any]]:
    """The preventive-maintenance plans of the user's accounts."""
    return [plans.plan_dict(p) for p in plans.plans(ctx)]


@router.post("/pm-plans", status_code=201)
def create_plan(data: PlanCreate, ctx: RequestContext) -> dict[str, Any]:
    """Make a plan of a machine or of an availability contract."""
    p = plans.create(
        ctx,
        plans.PlanIn(
            name=data.name,
            account_id=data.account_id,
            start_on=data.start_on,
            asset_id=data.asset_id,
            contract_id=data.contract_id,
            interval_months=data.interval_months,
            interval_hours=data.interval_hours,
            kind=data.kind,
            checklist=list(data.checklist),
            required_skill=data.required_skill,
        ),
    )
    return plans.plan_dict(p)


@router.post("/pm-plans/run")
def run_plans(data: PlanRun, ctx: RequestContext) -> dict[str, Any]:
    """Open the plans' work orders that fall due within the lead time (idempotent)."""
    return plans.run(ctx, data.plan_id).as_dict()


@router.get("/pm-plans/{plan_id}")
def get_plan(plan_id: Id, ctx: RequestContext) -> dict[str, Any]:
    """One plan with its work orders."""
    p = plans.get(ctx, plan_id)
    orders = plans.orders(ctx, p)
    return plans.plan_dict(p) | {"work_orders": [service.as_dict(w) for w in orders]}


@router.patch("/pm-plans/{plan_id}")
def change_plan(plan_id: Id, data: PlanChange, ctx: RequestContext) -> dict[str, Any]:
    """Pause or resume a plan."""
    return plans.plan_dict(plans.set_active(ctx, plan_id, data.active))
