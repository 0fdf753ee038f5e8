"""Tables of intelligence: segment assignments, leads with their stories, model runs."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class LeadSource(enum.StrEnum):
    """Where a lead came from."""

    rule = "rule"
    model = "model"
    technician = "technician"
    marketing = "marketing"


class LeadStatus(enum.StrEnum):
    """Where a lead stands."""

    open = "open"
    dismissed = "dismissed"
    converted = "converted"
    expired = "expired"


class Attitude(enum.StrEnum):
    """A customer's stated attitude toward Industrial Internet, as recorded by sales."""

    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class SegmentAssignment(IdMixin, TimestampMixin, Base):
    """An account's segment for advanced services, with its scores, reasons and go-to-market."""

    __tablename__ = "segment_assignment"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    as_of: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(60), index=True)
    readiness: Mapped[float] = mapped_column(Float)
    digital_infrastructure: Mapped[float] = mapped_column(Float)
    own_share: Mapped[float] = mapped_column(Float)
    age_class: Mapped[str] = mapped_column(String(16))
    priority: Mapped[float] = mapped_column(Float)
    go_to_market: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)


class Lead(IdMixin, TimestampMixin, Base):
    """A sales lead from the installed base: what to offer whom, why (story and evidence)."""

    __tablename__ = "lead"
    __table_args__ = (Index("ix_lead_account_offer", "account_id", "offering_key", "status"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id"))
    offering_key: Mapped[str] = mapped_column(String(80))  # family, or offering external id
    asset_ids: Mapped[list[int]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(StringEnum(LeadSource, 16), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    estimated_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    story: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        StringEnum(LeadStatus, 16), default=LeadStatus.open, index=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    dismissed_reason: Mapped[str | None] = mapped_column(String(300))
    quiet_until: Mapped[date | None] = mapped_column(Date)


class ModelRun(IdMixin, Base):
    """One trained tendency-to-buy model: its file, data ranges and evaluation."""

    __tablename__ = "model_run"

    version: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    train_from: Mapped[date] = mapped_column(Date)
    train_to: Mapped[date] = mapped_column(Date)
    test_from: Mapped[date] = mapped_column(Date)
    test_to: Mapped[date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReadinessAttitude(IdMixin, TimestampMixin, Base):
    """Sales' record of an account's attitude toward Industrial Internet and services."""

    __tablename__ = "readiness_attitude"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    attitude: Mapped[str] = mapped_column(StringEnum(Attitude, 16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(300))


class TwinProficiency(IdMixin, TimestampMixin, Base):
    """A salesperson's recorded digital-twin selling proficiency, 1 (basic) .. 5 (expert)."""

    __tablename__ = "twin_proficiency"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
