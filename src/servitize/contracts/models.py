"""Availability contracts: target, calendar, period fee, penalty and bonus bands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import TimestampMixin, UTCDateTime


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
    # The clause as sold (contracts.clauses: steps, linear, bonus, linear_bonus, damages); None:
    # the step bands of the columns above settle the month.
    clause: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A month settles only when at least this share of scheduled hours is known (else no money).
    min_coverage_pct: Mapped[float] = mapped_column(Float, default=90.0, server_default="90")
    # How silence after a ``down`` counts: "down" until the next event, or "unknown" after the horizon.
    silence_after_down: Mapped[str] = mapped_column(
        String(10), default="down", server_default="down"
    )
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
