"""What the intelligence API answers (Pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict


class SegmentRead(BaseModel):
    """An account's segment for advanced services."""

    model_config = ConfigDict(from_attributes=True)

    account_id: int
    account: str = ""
    as_of: date
    label: str
    readiness: float
    digital_infrastructure: float
    own_share: float
    age_class: str
    priority: float
    go_to_market: str
    reasons: list[str]


class SegmentSummary(BaseModel):
    """Accounts per segment label and go-to-market mode."""

    label: str
    go_to_market: str
    accounts: int


class LeadRead(BaseModel):
    """A lead with its story and evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    account: str = ""
    offering_id: int | None
    offering_key: str
    asset_ids: list[int]
    source: str
    rule: str
    score: float
    estimated_value_cents: int
    currency: str
    story: str
    evidence: dict[str, Any]
    status: str
    as_of: date
    expires_on: date
    dismissed_reason: str | None = None
    quiet_until: date | None = None


class LeadPage(BaseModel):
    """One page of leads."""

    items: list[LeadRead]
    total: int
    limit: int
    offset: int


class TwinPositionRead(BaseModel):
    """A digital offering on the digital-twin grid, with its proficiency check and checklist."""

    account_id: int
    account: str
    offering: str
    level: str
    understanding: str
    needed: int
    owner_proficiency: int | None
    warning: str | None
    checklist: list[str]
    target: tuple[str, str] | None


class SellerRead(BaseModel):
    """A salesperson and their recorded digital-twin selling proficiency (null: none yet)."""

    user_id: int
    username: str
    full_name: str
    role: str
    level: int | None


class FeatureRead(BaseModel):
    """One feature of the registry."""

    key: str
    slug: str
    label: str
    unit: str
    level: str
    source: str
