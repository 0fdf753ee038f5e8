"""Tables of the field: lead routes and their clocks, sign-up sheets, recognition."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class Route(enum.StrEnum):
    """Who works a lead: the technician of the next visit, or the account owner."""

    technician = "technician"
    account_owner = "account_owner"


class Stage(enum.StrEnum):
    """Where a lead stands on its turnaround clock."""

    reported = "reported"
    actioned = "actioned"
    proposed = "proposed"
    won = "won"
    lost = "lost"
    dismissed = "dismissed"


class SheetStatus(enum.StrEnum):
    """A sign-up sheet is proposed, then signed (becomes orders) or cancelled."""

    proposed = "proposed"
    signed = "signed"
    cancelled = "cancelled"


class PointKind(enum.StrEnum):
    """What earns recognition points (never money)."""

    confirmed_lead = "confirmed_lead"
    won_lead = "won_lead"
    signed_sheet = "signed_sheet"
    customer_feedback = "customer_feedback"


class LeadRoute(IdMixin, TimestampMixin, Base):
    """Where a lead was routed and its turnaround clock; one per lead (the lead stays intelligence's)."""

    __tablename__ = "lead_route"
    __table_args__ = (
        Index("ix_lead_route_assignee_stage", "assigned_to_id", "stage"),
        # The inbox sorts and counts an owner's routes from this index alone on PostgreSQL.
        Index(
            "ix_lead_route_account_stage",
            "account_id",
            "stage",
            postgresql_include=["reported_at", "id"],
        ),
    )

    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    route: Mapped[str] = mapped_column(StringEnum(Route, length=16))
    reason: Mapped[str] = mapped_column(String(200))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(StringEnum(Stage, length=16), default=Stage.reported)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    seen: Mapped[str | None] = mapped_column(String(32))
    photo: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposal_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    close_reason: Mapped[str | None] = mapped_column(String(300))


class SignUpSheet(IdMixin, TimestampMixin, Base):
    """A list of limited-scope, standard-priced service activities offered on a visit."""

    __tablename__ = "sign_up_sheet"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(
        StringEnum(SheetStatus, length=16), default=SheetStatus.proposed
    )
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str | None] = mapped_column(Text)  # PNG data URL drawn on screen
    signed_on: Mapped[str | None] = mapped_column(String(16))  # screen | paper
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignUpLine(IdMixin, Base):
    """One activity on a sheet: what, why it is offered, its standard price, ticked or not."""

    __tablename__ = "sign_up_line"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("sign_up_sheet.id", ondelete="CASCADE"), index=True
    )
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"))
    reason: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[float] = mapped_column(Float, default=1.0)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    ticked: Mapped[bool] = mapped_column(Boolean, default=False)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))


class VisitFeedback(IdMixin, TimestampMixin, Base):
    """The customer's rating of a visit, 1 (poor) to 5 (excellent)."""

    __tablename__ = "visit_feedback"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))


class RecognitionPoint(IdMixin, Base):
    """Points a technician earned for one thing done; one row per (user, kind, ref)."""

    __tablename__ = "recognition_point"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "ref", name="uq_recognition_point_user_kind_ref"),
        Index("ix_recognition_point_month_region", "month", "region"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(StringEnum(PointKind, length=24))
    ref: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    region: Mapped[str | None] = mapped_column(String(80))


class Contest(IdMixin, TimestampMixin, Base):
    """A monthly contest in a region (or everywhere) with a prize that is recognition, not money."""

    __tablename__ = "contest"

    month: Mapped[str] = mapped_column(String(7), index=True)
    region: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(24), default="points")
    prize: Mapped[str] = mapped_column(String(200))


class BestPractice(IdMixin, TimestampMixin, Base):
    """A short note from a technician on what worked with a customer, shared with the rest."""

    __tablename__ = "best_practice"

    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
