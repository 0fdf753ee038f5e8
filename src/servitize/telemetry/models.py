"""Telemetry records: downtime periods and data-sharing agreements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, Id, IdMixin
from servitize.kit.columns import TimestampMixin, UTCDateTime


class DowntimePeriod(IdMixin, TimestampMixin, Base):
    """A stop of an asset: planned or not, its cause, and whether availability excludes it."""

    __tablename__ = "downtime_period"
    __table_args__ = (Index("ix_downtime_period_asset_start", "asset_id", "start"),)

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    cause: Mapped[str | None] = mapped_column(String(200))
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500))
    # Moves on with every change; an edit may say which version it was made on (409 if stale).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class DataSharingAgreement(IdMixin, TimestampMixin, Base):
    """What telemetry an account lets us use, for which purposes, from when until when."""

    __tablename__ = "data_sharing_agreement"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    data_kinds: Mapped[list[str]] = mapped_column(JSON)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(80))
    document: Mapped[str | None] = mapped_column(String(300))
    # Set by a revoke (an agreement that simply ran out has none: "expired", not "revoked").
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    # The last time fewer kinds, purposes or a shorter period were agreed (state "narrowed").
    narrowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DataSharingChange(IdMixin, Base):
    """One change of an agreement (grant, narrow, widen, revoke): who, when, before and after.

    Written with the audit entry of the same change; kept here to be read per account."""

    __tablename__ = "data_sharing_change"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("data_sharing_agreement.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    change: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(Id)
    by_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


class DataUse(IdMixin, Base):
    """Which computation used an account's consented data for a purpose in a month, how often.

    One row per account × purpose × computation × month, counted up by each run."""

    __tablename__ = "data_use"
    __table_args__ = (UniqueConstraint("account_id", "purpose", "computation", "month"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    computation: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the run
    runs: Mapped[int] = mapped_column(Integer, default=1)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
