"""REST routes of the field under /api/v1: lead reports and inbox, visits, sheets, leaderboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from servitize.core.dates import SaneDate
from servitize.core.inputs import Count, Id, Input, SaneMonth
from servitize.core.settings import FieldSettings
from servitize.field import recognition, service, sheets, visits
from servitize.field.schemas import (
    BestPracticeCreate,
    ContestCreate,
    Feedback,
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
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession, settings_of

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


def field_settings(request: Request) -> FieldSettings:
    """The field settings of the app (``app.state.field_settings``), else from the environment
    (read once: building settings costs more than a whole inbox query)."""
    state = request.app.state
    if getattr(state, "field_settings", None) is None:
        state.field_settings = FieldSettings()
    return state.field_settings


@router.post("/leads", response_model=LeadRouted, status_code=201)
def report_lead(
    body: LeadReport, request: Request, session: DbSession, user: CurrentUser
) -> LeadRouted:
    """Report a lead seen on site; the answer says where it was routed (`route`, `assigned_to`)."""
    s = field_settings(request)
    row = service.report_lead(session, user, body, s=s, settings=settings_of(request))
    return service.routed(row, session, s)


@router.get("/inbox", response_model=InboxPage)
def inbox(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    stage: Stage = "open",
    mine: bool = False,
    account_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> InboxPage:
    """Routed leads with their clocks: a technician's own, an owner's every lead of their accounts."""
    return service.inbox(
        session, user, stage, mine, account_id, limit, offset, s=field_settings(request)
    )


@router.get("/leads/{lead_id}/route", response_model=InboxItem)
def lead_route(lead_id: Id, request: Request, session: DbSession, user: CurrentUser) -> InboxItem:
    """One lead's route and turnaround clock."""
    return service.lead_item(session, user, lead_id, s=field_settings(request))[0]


@router.post("/leads/{lead_id}/actions", response_model=InboxItem)
def lead_action(
    lead_id: Id, body: LeadAction, request: Request, session: DbSession, user: CurrentUser
) -> InboxItem:
    """Move a lead's clock: confirm, act, propose, win, lose, dismiss (lose/dismiss need a reason)."""
    service.act(session, user, lead_id, body.action, body.reason)
    return service.lead_item(session, user, lead_id, s=field_settings(request))[0]


class Dismissal(Input):
    """Why a lead is dismissed."""

    reason: str = Field(min_length=3, max_length=300)


@router.post("/leads/{lead_id}/dismiss", response_model=LeadRead, tags=["intelligence"])
def dismiss_lead(lead_id: Id, body: Dismissal, session: DbSession, user: CurrentUser) -> LeadRead:
    """Dismiss a lead from the lead list; it stays quiet for the configured period and its
    route, if it has one, closes in the inboxes."""
    found = queries.visible_lead(session, user, lead_id)
    require(user, "lead.dismiss")
    intelligence.dismiss(session, found, body.reason, date.today(), actor_of(user))
    service.close_routes_of_closed_leads(session, actor_of(user), [found.id])
    return queries.get_lead(session, user, lead_id)


@router.get("/visits", response_model=list[VisitRead])
def my_visits(
    session: DbSession,
    user: CurrentUser,
    day: SaneDate | None = None,
    ahead_days: Annotated[int, Query(ge=0, le=60)] = 7,
) -> list[VisitRead]:
    """The user's visits from a day (default today) on."""
    today, coming, _loose = visits.my_day(session, user, day or date.today(), ahead_days)
    return [VisitRead.model_validate(d.visit) for d in today + coming]


@router.post("/visits", response_model=VisitRead, status_code=201)
def create_visit(body: VisitCreate, session: DbSession, user: CurrentUser) -> VisitRead:
    """Plan a visit (technicians their own, service managers anyone's)."""
    return VisitRead.model_validate(visits.create_visit(session, user, body))


@router.post("/visits/{visit_id}/feedback", status_code=201)
def visit_feedback(
    visit_id: Id, body: Feedback, session: DbSession, user: CurrentUser
) -> dict[str, int]:
    """The customer's rating of a visit (good ratings earn the technician points)."""
    visit = visits.get_visit(session, user, visit_id)
    fb = recognition.record_feedback(session, user, visit, body, date.today())
    return {"id": fb.id, "rating": fb.rating}


@router.post("/visits/{visit_id}/sheets", response_model=SheetRead, status_code=201)
def propose_sheet(
    visit_id: Id, request: Request, session: DbSession, user: CurrentUser
) -> SheetRead:
    """A sign-up sheet for the visit, proposed by open leads and service behaviour."""
    visit = visits.get_visit(session, user, visit_id)
    sheet = sheets.propose_sheet(session, user, visit, s=field_settings(request))
    return sheets.sheet_read(session, sheet)


@router.get("/sheets/{sheet_id}", response_model=SheetRead)
def get_sheet(sheet_id: Id, session: DbSession, user: CurrentUser) -> SheetRead:
    """One sign-up sheet."""
    return sheets.sheet_read(session, sheets.get_sheet(session, user, sheet_id))


@router.put("/sheets/{sheet_id}/lines", response_model=SheetRead)
def set_lines(sheet_id: Id, body: SheetLines, session: DbSession, user: CurrentUser) -> SheetRead:
    """The technician adjusts the sheet's activities."""
    sheet = sheets.get_sheet(session, user, sheet_id)
    sheets.set_lines(session, user, sheet, body.offering_ids)
    return sheets.sheet_read(session, sheet)


@router.post("/sheets/{sheet_id}/sign", response_model=SheetRead)
def sign_sheet(sheet_id: Id, body: Signing, session: DbSession, user: CurrentUser) -> SheetRead:
    """The customer ticked and signed: the ticked lines become orders."""
    sheet = sheets.get_sheet(session, user, sheet_id)
    sheets.sign(session, user, sheet, body)
    return sheets.sheet_read(session, sheet)


class Cancel(Input):
    """Why the customer signed nothing."""

    reason: str = Field(min_length=3, max_length=300)


@router.post("/sheets/{sheet_id}/cancel", response_model=SheetRead)
def cancel_sheet(sheet_id: Id, body: Cancel, session: DbSession, user: CurrentUser) -> SheetRead:
    """Close a sheet without orders, keeping the reason."""
    sheet = sheets.get_sheet(session, user, sheet_id)
    sheets.cancel(session, user, sheet, body.reason)
    return sheets.sheet_read(session, sheet)


@router.get("/leaderboard", response_model=Leaderboard)
def leaderboard(
    session: DbSession, user: CurrentUser, month: Month = None, region: str | None = None
) -> Leaderboard:
    """A month's standings in a region: points, counts, badges; never amounts."""
    return recognition.leaderboard(session, month or date.today().strftime("%Y-%m"), region or None)


@router.post("/contests", status_code=201)
def create_contest(body: ContestCreate, session: DbSession, user: CurrentUser) -> dict[str, int]:
    """A monthly contest (service or sales managers)."""
    return {"id": recognition.create_contest(session, user, body).id}


@router.post("/best-practices", status_code=201)
def share_practice(
    body: BestPracticeCreate, session: DbSession, user: CurrentUser
) -> dict[str, int]:
    """Share a best-practice note with the other technicians."""
    return {"id": recognition.share_practice(session, user, body).id}


class NewOwner(Input):
    """The user who owns the account from now on."""

    owner_id: Id


@router.put("/accounts/{account_id}/owner")
def hand_over(
    account_id: Id, body: NewOwner, session: DbSession, user: CurrentUser
) -> dict[str, int]:
    """A new account owner (sales managers and admins); open leads routed to the owner follow."""
    moved = service.hand_over_account(session, user, account_id, body.owner_id)
    return {"account_id": account_id, "owner_id": body.owner_id, "leads_moved": moved}
