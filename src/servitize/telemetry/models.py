"""Telemetry records: downtime periods and data-sharing agreements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
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
