"""REST routes of solution sales under /api/v1/opportunities (JSON; Bearer token or session cookie)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from servitize.core.inputs import Count, Id
from servitize.installed_base.schemas import Page
from servitize.sales import outcome, picture, pipeline, service, team
from servitize.sales import repository as repo
from servitize.sales.models import OfferingType, OpportunityStatus
from servitize.sales.schemas import (
    ActivityIn,
    ActivityRead,
    ActivityUpdate,
    AdvanceResult,
    DecisionIn,
    DecisionRead,
    HandoverIn,
    HandoverRead,
    OpportunityCreate,
    OpportunityDetail,
    OpportunityRead,
    OpportunityUpdate,
    OutcomeIn,
    OutcomeRead,
    ReopenIn,
    TeamMemberIn,
    TeamMemberRead,
)
from servitize.trust.http import CurrentUser, DbSession, settings_of

router = APIRouter(prefix="/opportunities", tags=["solution sales"])

Limit = Annotated[int, Query(ge=1, le=500, description="page size, at most 500")]
Offset = Annotated[Count, Query(description="rows to skip")]
SVG = "image/svg+xml"


@router.get("", response_model=Page[OpportunityRead])
def list_opportunities(
    session: DbSession,
    user: CurrentUser,
    phase: Annotated[int | None, Query(ge=1, le=5)] = None,
    status: OpportunityStatus | None = None,
    account_id: Id | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OpportunityRead]:
    """Opportunities of the accounts the user may see, newest first."""
    rows, total = repo.page(
        session,
        user,
        phase=phase,
        status=status.value if status else None,
        account_id=account_id,
        q=q,
        limit=limit,
        offset=offset,
    )
    items = [service.read_one(session, user, o) for o in rows]
    return Page[OpportunityRead](items=items, total=total, limit=limit, offset=offset)


@router.post("", response_model=OpportunityRead, status_code=201)
def create_opportunity(
    data: OpportunityCreate, session: DbSession, user: CurrentUser
) -> OpportunityRead:
    """Open an opportunity from the account 360, a customer enquiry / RFQ, or a lead."""
    return service.read_one(session, user, service.create(session, user, data))


@router.get("/forecast")
def forecast(request: Request, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Weighted forecast by phase (per currency, and in total in the company currency);
    conversion, cycle time and stalls per phase."""
    return pipeline.forecast(session, user, company_currency=settings_of(request).company_currency)


@router.get("/retention")
def retention(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Won opportunities after delivery: renewals and dormant relationships."""
    return pipeline.retention(session, user)


@router.get("/outcomes", response_model=list[OutcomeRead])
def outcomes(
    session: DbSession,
    user: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=200, description="words in lessons, competitor, title")
    ] = None,
    reason: str | None = None,
    result: Literal["won", "lost", "no_bid", "rejected"] | None = None,
    references_only: bool = False,
) -> list[OutcomeRead]:
    """Search win/loss analyses; ``references_only`` lists the reference cases."""
    return outcome.search_outcomes(
        session, user, q=q, reason=reason, result=result, references_only=references_only
    )


@router.get("/surveys")
def account_surveys(account_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Satisfaction and loyalty survey results of one account."""
    return outcome.account_surveys(session, user, account_id)


@router.get("/blueprint.svg", response_class=Response)
def aggregate_blueprint(
    session: DbSession, user: CurrentUser, offering_type: OfferingType = OfferingType.project
) -> Response:
    """The blueprint aggregated over many opportunities: late activities, missed touch-points."""
    return Response(picture.aggregate_svg(session, user, offering_type.value), media_type=SVG)


@router.get("/{opportunity_id}", response_model=OpportunityDetail)
def get_opportunity(opportunity_id: Id, session: DbSession, user: CurrentUser) -> OpportunityDetail:
    """One opportunity with activities, gates, team, handover and outcome."""
    return picture.detail(session, user, opportunity_id)


@router.patch("/{opportunity_id}", response_model=OpportunityRead)
def update_opportunity(
    opportunity_id: Id, data: OpportunityUpdate, session: DbSession, user: CurrentUser
) -> OpportunityRead:
    """Change value, contract value, probability, close date, terms, renewal."""
    return service.read_one(session, user, service.update(session, user, opportunity_id, data))


@router.post("/{opportunity_id}/advance", response_model=AdvanceResult)
def advance(
    opportunity_id: Id,
    session: DbSession,
    user: CurrentUser,
    version: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**31 - 1,
            description=(
                "the opportunity's version the client saw: 409 if it moved on since "
                "(a repeated request then advances once)"
            ),
        ),
    ] = None,
) -> AdvanceResult:
    """Move to the next phase; 409 with every reason when a gate or required activity is missing,
    or while another change of the opportunity is being saved."""
    return service.advance(session, user, opportunity_id, version=version)


@router.post("/{opportunity_id}/decisions", response_model=DecisionRead, status_code=201)
def decide(
    opportunity_id: Id, data: DecisionIn, session: DbSession, user: CurrentUser
) -> DecisionRead:
    """Record a gate decision: pursue, tender, approval or acceptance; go or no_go; why.
    The new decision supersedes the gate's current one; a no_go needs ``confirm: true``;
    who may decide which gate: docs/access.md (403 otherwise)."""
    return DecisionRead.model_validate(service.decide(session, user, opportunity_id, data))


@router.post("/{opportunity_id}/reopen", response_model=OpportunityRead)
def reopen(
    opportunity_id: Id, data: ReopenIn, session: DbSession, user: CurrentUser
) -> OpportunityRead:
    """Reopen an opportunity closed by a pursue or tender no-go (sales managers); the no-go stays
    as history."""
    return service.read_one(
        session, user, service.reopen(session, user, opportunity_id, data.reason)
    )


@router.get("/{opportunity_id}/activities", response_model=list[ActivityRead])
def activities(opportunity_id: Id, session: DbSession, user: CurrentUser) -> list[ActivityRead]:
    """The micro-activities of the opportunity's blueprint."""
    return picture.detail(session, user, opportunity_id).activities


@router.post("/{opportunity_id}/activities", response_model=ActivityRead, status_code=201)
def add_activity(
    opportunity_id: Id, data: ActivityIn, session: DbSession, user: CurrentUser
) -> ActivityRead:
    """Add an activity the template lacks."""
    row = service.add_activity(session, user, opportunity_id, data)
    return service.activity_read(row, date.today())


@router.patch("/{opportunity_id}/activities/{activity_id}", response_model=ActivityRead)
def update_activity(
    opportunity_id: Id, activity_id: Id, data: ActivityUpdate, session: DbSession, user: CurrentUser
) -> ActivityRead:
    """Mark an activity done, skipped or open; change its due date, owner or notes."""
    row = service.update_activity(session, user, opportunity_id, activity_id, data)
    return service.activity_read(row, date.today())


@router.get("/{opportunity_id}/team", response_model=list[TeamMemberRead])
def get_team(opportunity_id: Id, session: DbSession, user: CurrentUser) -> list[TeamMemberRead]:
    """The nominated team with engagement dates and early-engagement flags."""
    return team.team(session, user, opportunity_id)


@router.post("/{opportunity_id}/team", response_model=TeamMemberRead, status_code=201)
def nominate(
    opportunity_id: Id, data: TeamMemberIn, session: DbSession, user: CurrentUser
) -> TeamMemberRead:
    """Nominate a sales, project, design, tender or service-sales member."""
    return team.member_read(team.nominate(session, user, opportunity_id, data))


@router.put("/{opportunity_id}/handover", response_model=HandoverRead)
def handover(
    opportunity_id: Id, data: HandoverIn, session: DbSession, user: CurrentUser
) -> HandoverRead:
    """Tick the sales order review checklist of the handover to the project office."""
    return HandoverRead.model_validate(team.handover(session, user, opportunity_id, data))


@router.post("/{opportunity_id}/outcome", response_model=OutcomeRead)
def record_outcome(
    opportunity_id: Id, data: OutcomeIn, session: DbSession, user: CurrentUser
) -> OutcomeRead:
    """Mark won, lost, no bid or rejected with structured reasons and lessons learned."""
    return outcome.outcome_read(outcome.record_outcome(session, user, opportunity_id, data))


@router.post("/{opportunity_id}/surveys", status_code=201)
def send_survey(
    opportunity_id: Id, request: Request, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Create a satisfaction survey; the link is answered without a login."""
    row, token = outcome.send_survey(session, user, opportunity_id, settings_of(request))
    return {"survey_id": row.id, "token": token, "url": f"/survey/{token}"}


@router.get("/{opportunity_id}/blueprint.svg", response_class=Response)
def blueprint(opportunity_id: Id, session: DbSession, user: CurrentUser) -> Response:
    """The opportunity's blueprint as an SVG swimlane picture."""
    return Response(picture.opportunity_svg(session, user, opportunity_id), media_type=SVG)
