"""REST routes of intelligence under /api/v1: features, segments, leads, twin positions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from servitize.core.inputs import Count, Id, Input
from servitize.intelligence import proficiency, queries
from servitize.intelligence.features import describe
from servitize.intelligence.schemas import (
    FeatureRead,
    LeadPage,
    LeadRead,
    SegmentRead,
    SegmentSummary,
    TwinPositionRead,
)
from servitize.trust.http import CurrentUser, DbSession

router = APIRouter(tags=["intelligence"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[Count, Query(description="rows to skip")]


@router.get("/features", response_model=list[FeatureRead])
def features_(_user: CurrentUser) -> list[FeatureRead]:
    """The registry of named features."""
    return [FeatureRead(**d) for d in describe()]


@router.get("/segments/summary", response_model=list[SegmentSummary])
def segment_summary(session: DbSession, user: CurrentUser) -> list[SegmentSummary]:
    """Accounts per segment and go-to-market mode."""
    return queries.segment_summary(session, user)


@router.get("/segments", response_model=list[SegmentRead])
def segments(
    session: DbSession,
    user: CurrentUser,
    label: str | None = None,
    account_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[SegmentRead]:
    """Visible accounts' segments with scores, reasons and go-to-market mode."""
    return queries.list_segments(session, user, label, account_id, limit, offset)


@router.get("/leads", response_model=LeadPage)
def leads(
    session: DbSession,
    user: CurrentUser,
    account_id: Id | None = None,
    status: str | None = "open",
    source: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LeadPage:
    """Visible leads, best score first."""
    return queries.list_leads(session, user, account_id, status, source, limit, offset)


@router.get("/leads/{lead_id}", response_model=LeadRead)
def lead(lead_id: Id, session: DbSession, user: CurrentUser) -> LeadRead:
    """One lead with its story and evidence."""
    return queries.get_lead(session, user, lead_id)


# POST /leads/{lead_id}/dismiss lives in field.api: a dismissed lead also closes its route
# in the inboxes, which this layer does not know.


@router.get("/twin-positions", response_model=list[TwinPositionRead])
def twin_positions(
    session: DbSession,
    user: CurrentUser,
    account_id: Id | None = None,
) -> list[TwinPositionRead]:
    """Digital offerings on the digital-twin grid with proficiency warnings and checklists."""
    return [
        TwinPositionRead(**asdict(p)) for p in queries.twin_positions(session, user, account_id)
    ]


class ProficiencyIn(Input):
    """A recorded digital-twin selling proficiency."""

    level: int = Field(ge=1, le=5, description="1 basic .. 5 expert")


@router.get("/twin-proficiency")
def proficiency_list(session: DbSession, _user: CurrentUser) -> list[dict[str, object]]:
    """Account owners and sales managers with their recorded proficiency (null: none yet)."""
    return [asdict(s) for s in proficiency.sellers(session)]


@router.put("/twin-proficiency/{user_id}")
def proficiency_set(
    user_id: Id, body: ProficiencyIn, session: DbSession, user: CurrentUser
) -> dict[str, object]:
    """Record a salesperson's proficiency (sales managers and admins; audited)."""
    return asdict(proficiency.record_level(session, user, user_id, body.level))
