"""REST routes of solution sales under /api/v1/opportunities (JSON; Bearer token or session cookie)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from servitize.core.inputs import Count, Id
from servitize.installed_base.schemas import Page
from servitize.sales import editing_api, outcome, picture, pipeline, service, team
from servitize.sales.models import OfferingType, OpportunityStatus
from servitize.sales.process import policy_of
from servitize.sales.schemas import (
    AccountSurveys,
    ActivityIn,
    ActivityRead,
    ActivityUpdate,
    AdvanceResult,
    DecisionIn,
    DecisionRead,
    Forecast,
    HandoverIn,
    HandoverRead,
    OpportunityCreate,
    OpportunityDetail,
    OpportunityRead,
    OpportunityUpdate,
    OutcomeIn,
    OutcomeRead,
    ReopenIn,
    RetentionRow,
    SurveyLink,
    TeamMemberIn,
    TeamMemberRead,
)
from servitize.trust.http import RequestContext

router = APIRouter(prefix="/opportunities", tags=["solution sales"])

Limit = Annotated[int, Query(ge=1, le=500, description="page size, at most 500")]
Offset = Annotated[Count, Query(description="rows to skip")]
SVG = "image/svg+xml"


@router.get("", response_model=Page[OpportunityRead])
def list_opportunities(
    ctx: RequestContext,
    phase: Annotated[int | None, Query(ge=1, le=5)] = None,
    status: OpportunityStatus | None = None,
    account_id: Id | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OpportunityRead]:
    """Opportunities of the accounts the user may see, newest first."""
    items, total = service.listing(
        ctx.session,
        ctx.user,
        phase=phase,
        status=status.value if status else None,
        account_id=account_id,
        q=q,
        limit=limit,
        offset=offset,
        pol=policy_of(ctx.settings),
    )
    return Page[OpportunityRead](items=items, total=total, limit=limit, offset=offset)


@router.post("", response_model=OpportunityRead, status_code=201)
def create_opportunity(data: OpportunityCreate, ctx: RequestContext) -> OpportunityRead:
    """Open an opportunity from the account 360, a customer enquiry / RFQ, or a lead."""
    opp = service.create(ctx.session, ctx.user, data, now=ctx.now)
    return service.read_one(ctx.session, ctx.user, opp, policy_of(ctx.settings))


@router.get("/forecast", response_model=Forecast)
def forecast(ctx: RequestContext) -> Forecast:
    """Weighted forecast by phase (per currency, and in total in the company currency);
    conversion, cycle time and stalls per phase."""
    return pipeline.forecast(
        ctx.session,
        ctx.user,
        company_currency=ctx.settings.company_currency,
        pol=policy_of(ctx.settings),
    )


@router.get("/retention", response_model=list[RetentionRow])
def retention(ctx: RequestContext) -> list[RetentionRow]:
    """Won opportunities after delivery: renewals and dormant relationships."""
    return pipeline.retention(ctx.session, ctx.user, ctx.today, policy_of(ctx.settings))


@router.get("/outcomes", response_model=list[OutcomeRead])
def outcomes(
    ctx: RequestContext,
    q: Annotated[
        str | None, Query(max_length=200, description="words in lessons, competitor, title")
    ] = None,
    reason: str | None = None,
    result: Literal["won", "lost", "no_bid", "rejected"] | None = None,
    references_only: bool = False,
) -> list[OutcomeRead]:
    """Search win/loss analyses; ``references_only`` lists the reference cases."""
    return outcome.search_outcomes(
        ctx.session, ctx.user, q=q, reason=reason, result=result, references_only=references_only
    )


@router.get("/surveys", response_model=AccountSurveys)
def account_surveys(account_id: Id, ctx: RequestContext) -> AccountSurveys:
    """Satisfaction and loyalty survey results of one account."""
    return outcome.account_surveys(ctx.session, ctx.user, account_id)


@router.get("/blueprint.svg", response_class=Response)
def aggregate_blueprint(
    ctx: RequestContext, offering_type: OfferingType = OfferingType.project
) -> Response:
    """The blueprint aggregated over many opportunities: late activities, missed touch-points."""
    return Response(
        picture.aggregate_svg(ctx.session, ctx.user, offering_type.value, ctx.today),
        media_type=SVG,
    )


@router.get("/{opportunity_id}", response_model=OpportunityDetail)
def get_opportunity(opportunity_id: Id, ctx: RequestContext) -> OpportunityDetail:
    """One opportunity with activities, gates, team, handover and outcome."""
    return picture.detail(ctx.session, ctx.user, opportunity_id, ctx.today, policy_of(ctx.settings))


@router.patch("/{opportunity_id}", response_model=OpportunityRead)
def update_opportunity(
    opportunity_id: Id, data: OpportunityUpdate, ctx: RequestContext
) -> OpportunityRead:
    """Change value, contract value, probability, close date, terms, renewal."""
    return service.read_one(
        ctx.session,
        ctx.user,
        service.update(ctx.session, ctx.user, opportunity_id, data),
        policy_of(ctx.settings),
    )


@router.post("/{opportunity_id}/advance", response_model=AdvanceResult)
def advance(
    opportunity_id: Id,
    ctx: RequestContext,
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
    return service.advance(
        ctx.session, ctx.user, opportunity_id, ctx.now, version, policy_of(ctx.settings)
    )


@router.post("/{opportunity_id}/decisions", response_model=DecisionRead, status_code=201)
def decide(opportunity_id: Id, data: DecisionIn, ctx: RequestContext) -> DecisionRead:
    """Record a gate decision: pursue, tender, approval or acceptance; go or no_go; why.
    The new decision supersedes the gate's current one; a no_go needs ``confirm: true``;
    who may decide which gate: docs/access.md (403 otherwise)."""
    row = service.decide(
        ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
    )
    return DecisionRead.model_validate(row)


@router.post("/{opportunity_id}/reopen", response_model=OpportunityRead)
def reopen(opportunity_id: Id, data: ReopenIn, ctx: RequestContext) -> OpportunityRead:
    """Reopen an opportunity closed by a pursue or tender no-go (sales managers); the no-go stays
    as history."""
    return service.read_one(
        ctx.session,
        ctx.user,
        service.reopen(ctx.session, ctx.user, opportunity_id, data.reason, ctx.now),
        policy_of(ctx.settings),
    )


@router.get("/{opportunity_id}/activities", response_model=list[ActivityRead])
def activities(opportunity_id: Id, ctx: RequestContext) -> list[ActivityRead]:
    """The micro-activities of the opportunity's blueprint."""
    view = picture.detail(ctx.session, ctx.user, opportunity_id, ctx.today, policy_of(ctx.settings))
    return view.activities


@router.post("/{opportunity_id}/activities", response_model=ActivityRead, status_code=201)
def add_activity(opportunity_id: Id, data: ActivityIn, ctx: RequestContext) -> ActivityRead:
    """Add an activity the template lacks."""
    row = service.add_activity(ctx.session, ctx.user, opportunity_id, data)
    return service.activity_read(row, ctx.today)


@router.patch("/{opportunity_id}/activities/{activity_id}", response_model=ActivityRead)
def update_activity(
    opportunity_id: Id, activity_id: Id, data: ActivityUpdate, ctx: RequestContext
) -> ActivityRead:
    """Mark an activity done, skipped or open; change its due date, owner or notes."""
    row = service.update_activity(
        ctx.session, ctx.user, opportunity_id, activity_id, data, ctx.today
    )
    return service.activity_read(row, ctx.today)


@router.get("/{opportunity_id}/team", response_model=list[TeamMemberRead])
def get_team(opportunity_id: Id, ctx: RequestContext) -> list[TeamMemberRead]:
    """The nominated team with engagement dates and early-engagement flags."""
    return team.team(ctx.session, ctx.user, opportunity_id)


@router.post("/{opportunity_id}/team", response_model=TeamMemberRead, status_code=201)
def nominate(opportunity_id: Id, data: TeamMemberIn, ctx: RequestContext) -> TeamMemberRead:
    """Nominate a sales, project, design, tender or service-sales member."""
    return team.member_read(team.nominate(ctx.session, ctx.user, opportunity_id, data, ctx.today))


@router.put("/{opportunity_id}/handover", response_model=HandoverRead)
def handover(opportunity_id: Id, data: HandoverIn, ctx: RequestContext) -> HandoverRead:
    """Tick the sales order review checklist of the handover to the project office."""
    row = team.handover(
        ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
    )
    return HandoverRead.model_validate(row)


@router.post("/{opportunity_id}/outcome", response_model=OutcomeRead)
def record_outcome(opportunity_id: Id, data: OutcomeIn, ctx: RequestContext) -> OutcomeRead:
    """Mark won, lost, no bid or rejected with structured reasons and lessons learned."""
    row = outcome.record_outcome(
        ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
    )
    return outcome.outcome_read(row)


@router.post("/{opportunity_id}/surveys", response_model=SurveyLink, status_code=201)
def send_survey(opportunity_id: Id, ctx: RequestContext) -> SurveyLink:
    """Create a satisfaction survey; the link is answered without a login."""
    row, token = outcome.send_survey(ctx.session, ctx.user, opportunity_id, ctx.settings, ctx.now)
    return SurveyLink(survey_id=row.id, token=token, url=f"/survey/{token}")


@router.get("/{opportunity_id}/blueprint.svg", response_class=Response)
def blueprint(opportunity_id: Id, ctx: RequestContext) -> Response:
    """The opportunity's blueprint as an SVG swimlane picture."""
    svg = picture.opportunity_svg(
        ctx.session, ctx.user, opportunity_id, ctx.today, policy_of(ctx.settings)
    )
    return Response(svg, media_type=SVG)


# Editing an opportunity, opening one from a lead (sales.editing_api).
router.include_router(editing_api.router)
