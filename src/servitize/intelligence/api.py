"""REST routes of intelligence under /api/v1: features, segments, leads, twin positions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from servitize.core.inputs import Count, Id, Input
from servitize.intelligence import proficiency, queries
from servitize.intelligence.features import describe
from servitize.intelligence.models import LeadSource, LeadStatus
from servitize.intelligence.schemas import (
    FeatureRead,
    LeadPage,
    LeadRead,
    SegmentRead,
    SegmentSummary,
    SellerRead,
    TwinPositionRead,
)
from servitize.trust.http import CurrentUser, RequestContext

router = APIRouter(tags=["intelligence"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[Count, Query(description="rows to skip")]


@router.get("/features", response_model=list[FeatureRead])
def features_(_user: CurrentUser) -> list[FeatureRead]:
    """The registry of named features."""
    return [FeatureRead(**d) for d in describe()]


@router.get("/segments/summary", response_model=list[SegmentSummary])
def segment_summary(ctx: RequestContext) -> list[SegmentSummary]:
    """Accounts per segment and go-to-market mode."""
    return queries.segment_summary(ctx.session, ctx.user)


@router.get("/segments", response_model=list[SegmentRead])
def segments(
    ctx: RequestContext,
    label: str | None = None,
    account_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[SegmentRead]:
    """Visible accounts' segments with scores, reasons and go-to-market mode."""
    return queries.list_segments(ctx.session, ctx.user, label, account_id, limit, offset)


@router.get("/leads", response_model=LeadPage)
def leads(
    ctx: RequestContext,
    account_id: Id | None = None,
    status: LeadStatus | None = LeadStatus.open,
    source: LeadSource | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LeadPage:
    """Visible leads, best score first."""
    return queries.list_leads(
        ctx.session,
        ctx.user,
        account_id,
        status.value if status else None,
        source.value if source else None,
        limit,
        offset,
    )


@router.get("/leads/{lead_id}", response_model=LeadRead)
def lead(lead_id: Id, ctx: RequestContext) -> LeadRead:
    """One lead with its story and evidence."""
    return queries.get_lead(ctx.session, ctx.user, lead_id)


# POST /leads/{lead_id}/dismiss lives in field.api: a dismissed lead also closes its route
# in the inboxes, which this layer does not know.


@router.get("/twin-positions", response_model=list[TwinPositionRead])
def twin_positions(ctx: RequestContext, account_id: Id | None = None) -> list[TwinPositionRead]:
    """Digital offerings on the digital-twin grid with proficiency warnings and checklists."""
    return [
        TwinPositionRead(**asdict(p))
        for p in queries.twin_positions(ctx.session, ctx.user, account_id)
    ]


class ProficiencyIn(Input):
    """A recorded digital-twin selling proficiency."""

    level: int = Field(ge=1, le=5, description="1 basic .. 5 expert")


@router.get("/twin-proficiency", response_model=list[SellerRead])
def proficiency_list(ctx: RequestContext) -> list[SellerRead]:
    """Account owners and sales managers with their recorded proficiency (null: none yet)."""
    return [SellerRead(**asdict(s)) for s in proficiency.sellers(ctx.session)]


@router.put("/twin-proficiency/{user_id}", response_model=SellerRead)
def proficiency_set(user_id: Id, body: ProficiencyIn, ctx: RequestContext) -> SellerRead:
    """Record a salesperson's proficiency (sales managers and admins; audited)."""
    return SellerRead(
        **asdict(proficiency.record_level(ctx.session, ctx.user, user_id, body.level))
    )
