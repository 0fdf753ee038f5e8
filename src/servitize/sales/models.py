"""Solution-sales records: opportunities, their micro-activities, gates, teams and outcomes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, Id, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class OpportunityStatus(enum.StrEnum):
    """Where an opportunity ended, or that it is still open."""

    open = "open"
    won = "won"
    lost = "lost"
    no_bid = "no_bid"
    rejected = "rejected"


class OfferingType(enum.StrEnum):
    """The kind of deal; each has its own process template."""

    project = "project"
    service_agreement = "service_agreement"
    subscription = "subscription"


class Source(enum.StrEnum):
    """Where an opportunity came from."""

    account = "account"
    enquiry = "enquiry"
    lead = "lead"


class Opportunity(IdMixin, TimestampMixin, Base):
    """A solution sale moving through the five phases of solution sales."""

    __tablename__ = "opportunity"
    __table_args__ = (Index("ix_opportunity_status_phase", "status", "phase"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(StringEnum(Source, 16), default=Source.account)
    # The lead lives in another capability; we keep its id and a copy of its story.
    lead_id: Mapped[int | None] = mapped_column(Id)
    lead_story: Mapped[str | None] = mapped_column(Text)
    lead_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    enquiry_ref: Mapped[str | None] = mapped_column(String(80))
    offering_type: Mapped[str] = mapped_column(
        StringEnum(OfferingType, 24), default=OfferingType.project
    )
    phase: Mapped[int] = mapped_column(Integer, default=1)
    phase_entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(
        StringEnum(OpportunityStatus, 16), default=OpportunityStatus.open
    )
    value_cents: Mapped[int | None] = mapped_column(BigInteger)
    contract_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    probability: Mapped[int | None] = mapped_column(Integer)
    risk: Mapped[str] = mapped_column(String(8), default="medium")
    expected_close: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The customer's requested contract terms, checked against the borderline at the tender gate.
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    renewal_on: Mapped[date | None] = mapped_column(Date)
    # Moves on with every change; forms and clients send back the version they showed, so that
    # a stale form cannot revert another person's change, nor a double click advance twice.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class PhaseChange(IdMixin, Base):
    """One move of an opportunity from a phase to the next: the base of cycle times."""

    __tablename__ = "opportunity_phase_change"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[int] = mapped_column(Integer)
    to_phase: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SalesActivity(IdMixin, TimestampMixin, Base):
    """A micro-activity of the blueprint: an actor, a layer, maybe a customer touch-point."""

    __tablename__ = "sales_activity"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(60))
    phase: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(16))
    layer: Mapped[str] = mapped_column(String(24))
    touchpoint: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    due_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # as Opportunity's

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class GateDecision(IdMixin, Base):
    """A decision at a gate: who, when, why. One per gate is current; a new decision (or a
    manager reopening a no-go) supersedes it, and the superseded one stays as history."""

    __tablename__ = "gate_decision"
    __table_args__ = (
        Index(
            "uq_gate_decision_current",
            "opportunity_id",
            "gate",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    gate: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    phase: Mapped[int] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_by_id: Mapped[int | None] = mapped_column(Id)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(Id)


class TeamMember(IdMixin, Base):
    """A person nominated into an opportunity's team, and when they were engaged."""

    __tablename__ = "opportunity_team_member"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(200))
    engaged_on: Mapped[date] = mapped_column(Date)
    engaged_phase: Mapped[int] = mapped_column(Integer)


class Handover(IdMixin, TimestampMixin, Base):
    """The sales order review and handover to the project office."""

    __tablename__ = "sales_handover"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON)
    project_manager: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # as Opportunity's

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class Outcome(IdMixin, TimestampMixin, Base):
    """Win/loss analysis: structured reasons, lessons learned, and reference-case consent."""

    __tablename__ = "opportunity_outcome"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    result: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    competitor: Mapped[str | None] = mapped_column(String(80))
    lessons: Mapped[str | None] = mapped_column(Text)
    reference_case: Mapped[bool] = mapped_column(Boolean, default=False)
    reference_summary: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # as Opportunity's

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class Survey(IdMixin, Base):
    """A satisfaction and loyalty survey sent by signed link; answered without a login."""

    __tablename__ = "satisfaction_survey"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    recommend: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
