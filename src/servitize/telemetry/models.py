"""Telemetry records: downtime periods, data-sharing agreements, availability contracts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, TimestampMixin


class DowntimePeriod(IdMixin, TimestampMixin, Base):
    """A stop of an asset: planned or not, its cause, and whether availability excludes it."""

    __tablename__ = "downtime_period"
    __table_args__ = (Index("ix_downtime_period_asset_start", "asset_id", "start"),)

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(80))
    document: Mapped[str | None] = mapped_column(String(300))


class AvailabilityContract(IdMixin, TimestampMixin, Base):
    """An availability promise to an account: target, calendar, period fee, penalty and bonus bands."""

    __tablename__ = "availability_contract"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    target_pct: Mapped[float] = mapped_column(Float)
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"kind": "24/7"} or shifts
    fee_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Bands: percent of the period fee per ``step_points`` below (penalty) or above (bonus) target.
    penalty_pct_per_step: Mapped[float] = mapped_column(Float, default=0.0)
    penalty_step_points: Mapped[float] = mapped_column(Float, default=0.5)
    penalty_cap_pct: Mapped[float] = mapped_column(Float, default=0.0)
    bonus_pct_per_step: Mapped[float] = mapped_column(Float, default=0.0)
    bonus_step_points: Mapped[float] = mapped_column(Float, default=0.5)
    bonus_cap_pct: Mapped[float] = mapped_column(Float, default=0.0)
    serials: Mapped[list[str] | None] = mapped_column(JSON)  # None: every asset of the account
    # A month settles only when at least this share of scheduled hours is known (else no money).
    min_coverage_pct: Mapped[float] = mapped_column(Float, default=90.0, server_default="90")
    # How silence after a ``down`` counts: "down" until the next event, or "unknown" after the horizon.
    silence_after_down: Mapped[str] = mapped_column(
        String(10), default="down", server_default="down"
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
