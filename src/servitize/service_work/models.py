"""Service work's records: live work orders with their log (notes, time, parts, photos), the
technicians' skills, and preventive-maintenance plans.

A work order is the live job; when it is done it writes one ``ServiceEvent`` (installed_base), the
history that failure rates, the 360 and the leads read, and keeps its id (docs/service_work.md
says why it is a table of its own). Its time slot is an ``installed_base.Visit`` (technician,
day, time, duration), so the technician's Today shows it like every other visit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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


class WorkStatus(enum.StrEnum):
    """Where a work order stands (``rules.MOVES``: which moves are allowed)."""

    new = "new"
    scheduled = "scheduled"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class WorkSource(enum.StrEnum):
    """What opened a work order."""

    manual = "manual"
    visit = "visit"
    lead = "lead"
    sign_up = "sign_up"
    request = "request"
    alert = "alert"
    plan = "plan"


class EntryKind(enum.StrEnum):
    """A line of a work order's log."""

    note = "note"
    time = "time"
    part = "part"
    photo = "photo"
    status = "status"


class WorkOrder(IdMixin, TimestampMixin, Base):
    """A job to do at a customer: what, on which machine, for which reason, by whom, when."""

    __tablename__ = "work_order"
    __table_args__ = (
        Index("ix_work_order_status_due", "status", "due_on"),
        Index("ix_work_order_asset_alert", "asset_id", "alert_rule"),
        UniqueConstraint("pm_plan_id", "asset_id", "due_on"),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="repair")
    source: Mapped[str] = mapped_column(StringEnum(WorkSource, 16))
    status: Mapped[str] = mapped_column(StringEnum(WorkStatus, 16), default=WorkStatus.new)
    required_skill: Mapped[str | None] = mapped_column(String(40))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    sign_up_line_id: Mapped[int | None] = mapped_column(ForeignKey("sign_up_line.id"), unique=True)
    request_ref: Mapped[str | None] = mapped_column(String(80))
    alert_rule: Mapped[str | None] = mapped_column(String(40))
    pm_plan_id: Mapped[int | None] = mapped_column(ForeignKey("pm_plan.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    # [{"item": "Check the seals", "done": false}, ...]
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    service_event_id: Mapped[int | None] = mapped_column(ForeignKey("service_event.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def number(self) -> str:
        """The work order's number as people say it."""
        return f"WO-{self.id:06d}"

    @property
    def record_key(self) -> str:
        """The external id of the visit (its slot) and the service event (its history) it
        writes: ``SW-`` keeps them apart from imported ids."""
        return f"SW-{self.number}"


class WorkEntry(IdMixin, Base):
    """One line of a work order's log: a note, hours worked, a part used, a photo, a move."""

    __tablename__ = "work_entry"

    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(StringEnum(EntryKind, 16))
    text: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[float | None] = mapped_column(Float)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id"))
    quantity: Mapped[float | None] = mapped_column(Float)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Sent by the phone with each update: a retry of an update that did arrive is harmless.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class TechnicianSkill(IdMixin, Base):
    """A skill a technician has (``hydraulics``, ``electrical``, ...); work orders may ask one."""

    __tablename__ = "technician_skill"
    __table_args__ = (UniqueConstraint("user_id", "skill"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(40))


class PmPlan(IdMixin, TimestampMixin, Base):
    """A preventive-maintenance plan of one machine, or of every machine of an availability
    contract: every ``interval_months`` months or every ``interval_hours`` operating hours."""

    __tablename__ = "pm_plan"

    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("availability_contract.id"))
    interval_months: Mapped[int | None] = mapped_column(Integer)
    interval_hours: Mapped[float | None] = mapped_column(Float)
    start_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="maintenance")
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_skill: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
