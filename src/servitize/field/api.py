"""REST routes of the field under /api/v1: lead reports and inbox, visits, sheets, leaderboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from servitize.core.dates import SaneDate
from servitize.core.inputs import Count, Id, Input, SaneMonth
from servitize.field import recognition, service, sheets, visits
from servitize.field.models import SignUpSheet
from servitize.field.schemas import (
    BestPracticeCreate,
    ContestCreate,
    Created,
    Feedback,
    FeedbackSaved,
    HandedOver,
    InboxItem,
    InboxPage,
    LeadAction,
    Leaderboard,
    LeadReport,
    LeadRouted,
    SheetLines,
    SheetRead,
    Signing,
    VisitCreate,
    VisitRead,
)
from servitize.installed_base.access import require
from servitize.intelligence import queries
from servitize.intelligence import service as intelligence
from servitize.intelligence.schemas import LeadRead
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(tags=["field"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[Count, Query(description="rows to skip")]
Stage = Annotated[
    str | None,
    Query(
        pattern=r"^(open|escalated|reported|actioned|proposed|won|"
        r"lost|dismissed)$"
    ),
]
Month = Annotated[SaneMonth | None, Query(description="YYYY-MM")]


def _sheet(ctx: Context, sheet: SignUpSheet) -> SheetRead:
    """A sheet as answered, its total in the company currency of the settings."""
    return sheets.sheet_read(ctx.session, sheet, ctx.settings.company_currency, ctx.today)


@router.post("/leads", response_model=LeadRouted, status_code=201)
def report_lead(body: LeadReport, ctx: RequestContext) -> LeadRouted:
    """Report a lead seen on site; the answer says where it was routed (`route`, `assigned_to`)."""
    s = ctx.settings.field
    row = service.report_lead(ctx.session, ctx.user, body, ctx.today, s, ctx.settings)
    return service.routed(row, ctx.session, s)


@router.get("/inbox", response_model=InboxPage)
def inbox(
    ctx: RequestContext,
    stage: Stage = "open",
    mine: bool = False,
    account_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> InboxPage:
    """Routed leads with their clocks: a technician's own, an owner's every lead of their accounts."""
    return service.inbox(
        ctx.session, ctx.user, stage, mine, account_id, limit, offset, ctx.today, ctx.settings.field
    )


@router.get("/leads/{lead_id}/route", response_model=InboxItem)
def lead_route(lead_id: Id, ctx: RequestContext) -> InboxItem:
    """One lead's route and turnaround clock."""
    return service.lead_item(ctx.session, ctx.user, lead_id, ctx.today, ctx.settings.field)[0]


@router.post("/leads/{lead_id}/actions", response_model=InboxItem)
def lead_action(lead_id: Id, body: LeadAction, ctx: RequestContext) -> InboxItem:
    """Move a lead's clock: confirm, act, propose, win, lose, dismiss (lose/dismiss need a reason)."""
    service.act(
        ctx.session,
        ctx.user,
        lead_id,
        body.action,
        body.reason,
        ctx.today,
        ctx.now,
        ctx.settings.intelligence,
    )
    return service.lead_item(ctx.session, ctx.user, lead_id, ctx.today, ctx.settings.field)[0]


class Dismissal(Input):
    """Why a lead is dismissed."""

    reason: str = Field(min_length=3, max_length=300)


@router.post("/leads/{lead_id}/dismiss", response_model=LeadRead, tags=["intelligence"])
def dismiss_lead(lead_id: Id, body: Dismissal, ctx: RequestContext) -> LeadRead:
    """Dismiss a lead from the lead list; it stays quiet for the configured period and its
    route, if it has one, closes in the inboxes."""
    found = queries.visible_lead(ctx.session, ctx.user, lead_id)
    require(ctx.user, "lead.dismiss")
    intelligence.dismiss(
        ctx.session, found, body.reason, ctx.today, ctx.actor, ctx.settings.intelligence
    )
    service.close_routes_of_closed_leads(ctx.session, ctx.actor, [found.id])
    return queries.get_lead(ctx.session, ctx.user, lead_id)


@router.get("/visits", response_model=list[VisitRead])
def my_visits(
    ctx: RequestContext,
    day: SaneDate | None = None,
    ahead_days: Annotated[int, Query(ge=0, le=60)] = 7,
) -> list[VisitRead]:
    """The user's visits from a day (default today) on."""
    today, coming, _loose = visits.my_day(
        ctx.session, ctx.user, day or ctx.today, ahead_days, ctx.settings.field
    )
    return [VisitRead.model_validate(d.visit) for d in today + coming]


@router.post("/visits", response_model=VisitRead, status_code=201)
def create_visit(body: VisitCreate, ctx: RequestContext) -> VisitRead:
    """Plan a visit (technicians their own, service managers anyone's)."""
    return VisitRead.model_validate(visits.create_visit(ctx.session, ctx.user, body))


@router.post("/visits/{visit_id}/feedback", response_model=FeedbackSaved, status_code=201)
def visit_feedback(visit_id: Id, body: Feedback, ctx: RequestContext) -> FeedbackSaved:
    """The customer's rating of a visit (good ratings earn the technician points)."""
    visit = visits.get_visit(ctx.session, ctx.user, visit_id)
    fb = recognition.record_feedback(ctx.session, ctx.user, visit, body, ctx.today)
    return FeedbackSaved(id=fb.id, rating=fb.rating)


@router.post("/visits/{visit_id}/sheets", response_model=SheetRead, status_code=201)
def propose_sheet(visit_id: Id, ctx: RequestContext) -> SheetRead:
    """A sign-up sheet for the visit, proposed by open leads and service behaviour."""
    visit = visits.get_visit(ctx.session, ctx.user, visit_id)
    sheet = sheets.propose_sheet(ctx.session, ctx.user, visit, ctx.today, ctx.settings.field)
    return _sheet(ctx, sheet)


@router.get("/sheets/{sheet_id}", response_model=SheetRead)
def get_sheet(sheet_id: Id, ctx: RequestContext) -> SheetRead:
    """One sign-up sheet."""
    return _sheet(ctx, sheets.get_sheet(ctx.session, ctx.user, sheet_id))


@router.put("/sheets/{sheet_id}/lines", response_model=SheetRead)
def set_lines(sheet_id: Id, body: SheetLines, ctx: RequestContext) -> SheetRead:
    """The technician adjusts the sheet's activities."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    sheets.set_lines(ctx.session, ctx.user, sheet, body.offering_ids)
    return _sheet(ctx, sheet)


@router.post("/sheets/{sheet_id}/sign", response_model=SheetRead)
def sign_sheet(sheet_id: Id, body: Signing, ctx: RequestContext) -> SheetRead:
    """The customer ticked and signed: the ticked lines become orders."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    sheets.sign(ctx.session, ctx.user, sheet, body, ctx.today, ctx.now, ctx.settings.field)
    return _sheet(ctx, sheet)


class Cancel(Input):
    """Why the customer signed nothing."""

    reason: str = Field(min_length=3, max_length=300)


@router.post("/sheets/{sheet_id}/cancel", response_model=SheetRead)
def cancel_sheet(sheet_id: Id, body: Cancel, ctx: RequestContext) -> SheetRead:
    """Close a sheet without orders, keeping the reason."""
    sheet = sheets.get_sheet(ctx.session, ctx.user, sheet_id)
    sheets.cancel(ctx.session, ctx.user, sheet, body.reason)
    return _sheet(ctx, sheet)


@router.get("/leaderboard", response_model=Leaderboard)
def leaderboard(ctx: RequestContext, month: Month = None, region: str | None = None) -> Leaderboard:
    """A month's standings in a region: points, counts, badges; never amounts."""
    return recognition.leaderboard(
        ctx.session, month or ctx.today.strftime("%Y-%m"), region or None
    )


@router.post("/contests", response_model=Created, status_code=201)
def create_contest(body: ContestCreate, ctx: RequestContext) -> Created:
    """A monthly contest (service or sales managers)."""
    return Created(id=recognition.create_contest(ctx.session, ctx.user, body).id)


@router.post("/best-practices", response_model=Created, status_code=201)
def share_practice(body: BestPracticeCreate, ctx: RequestContext) -> Created:
    """Share a best-practice note with the other technicians."""
    return Created(id=recognition.share_practice(ctx.session, ctx.user, body).id)


class NewOwner(Input):
    """The user who owns the account from now on."""

    owner_id: Id


@router.put("/accounts/{account_id}/owner", response_model=HandedOver)
def hand_over(account_id: Id, body: NewOwner, ctx: RequestContext) -> HandedOver:
    """A new account owner (sales managers and admins); open leads routed to the owner follow."""
    moved = service.hand_over_account(ctx.session, ctx.user, account_id, body.owner_id)
    return HandedOver(account_id=account_id, owner_id=body.owner_id, leads_moved=moved)
