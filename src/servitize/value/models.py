"""A value case kept with its assumptions, and every edit of them.

``ValueCase`` holds what the case is about (an account, its machines, optionally the opportunity
or lead it was opened from) and the assumptions the user entered over the defaults (a JSON object
of name → number); everything else (savings, cash flows, prices) is computed from the records and
these assumptions each time the case is read. ``ValueCaseEdit`` keeps each change of an
assumption: who, when, before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import TimestampMixin, UTCDateTime


class ValueCase(IdMixin, TimestampMixin, Base):
    """The value case of some of an account's machines, with the assumptions entered."""

    __tablename__ = "value_case"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunity.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id"))
    title: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    asset_ids: Mapped[list[int]] = mapped_column(JSON)
    # name -> number: only what the user entered; a missing name takes its default.
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class ValueCaseEdit(IdMixin, Base):
    """One change of a case's assumption: who, when, before (None: the default) and after."""

    __tablename__ = "value_case_edit"

    case_id: Mapped[int] = mapped_column(ForeignKey("value_case.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    before: Mapped[float | None] = mapped_column(JSON)
    after: Mapped[float | None] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
