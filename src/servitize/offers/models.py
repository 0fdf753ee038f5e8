"""Offers records: price terms of catalogue items, quotes and their lines, the contracts a quote
creates when it is accepted, their changes, and the billing lines of each period."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime
from servitize.offers.price_models import Period, RevenueModel


class QuoteStatus(enum.StrEnum):
    """Where a quote stands. Only ``approved`` (or ``sent``) quotes can be accepted."""

    draft = "draft"
    pending_approval = "pending_approval"
    approved = "approved"
    sent = "sent"
    accepted = "accepted"
    rejected = "rejected"
    superseded = "superseded"
    withdrawn = "withdrawn"


class QuoteKind(enum.StrEnum):
    """A budget offer is indicative (a range); a fixed offer binds the provider."""

    budget = "budget"
    fixed = "fixed"


class ContractKind(enum.StrEnum):
    """What an accepted line becomes."""

    subscription = "subscription"
    service_agreement = "service_agreement"
    licence = "licence"
    usage = "usage"
    availability = "availability"


class ContractStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    cancelled = "cancelled"  # notice given; ends on ``end_on``
    ended = "ended"


class OfferingPrice(IdMixin, TimestampMixin, Base):
    """How a catalogue item is priced: its revenue model's terms, price floor and cost."""

    __tablename__ = "offering_price"

    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), unique=True)
    model: Mapped[RevenueModel] = mapped_column(StringEnum(RevenueModel, 24))
    # The model's terms: period, minimum_term_months, notice_months, indexation_pct (subscription),
    # metric, tiers, included_quantity, minimum_fee_cents (usage), per_project (licence), rates.
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    floor_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # lowest unit price allowed
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # per unit (per period)
    standard_term_months: Mapped[int] = mapped_column(Integer, default=36)


class Quote(IdMixin, TimestampMixin, Base):
    """An offer to an account (from an opportunity or not), in one currency, valid until a day."""

    __tablename__ = "quote"
    __table_args__ = (UniqueConstraint("number", "revision"),)

    number: Mapped[str] = mapped_column(String(20), index=True)  # Q-000042, shared by revisions
    revision: Mapped[int] = mapped_column(Integer, default=1)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunity.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[QuoteKind] = mapped_column(StringEnum(QuoteKind, 8), default=QuoteKind.fixed)
    status: Mapped[QuoteStatus] = mapped_column(
        StringEnum(QuoteStatus, 20), default=QuoteStatus.draft
    )
    currency: Mapped[str] = mapped_column(String(3))
    term_months: Mapped[int] = mapped_column(Integer, default=36)
    valid_until: Mapped[date] = mapped_column(Date)
    # Contract terms checked against the sales policy's borderline: availability_target_pct,
    # penalty_cap_pct, liability_cap_pct, payment_days, plus the availability clause if any.
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    clause: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"kind": ..., params}
    notes: Mapped[str | None] = mapped_column(Text)  # internal; never on the customer's PDF
    # Totals at the last save, in the quote currency (recomputed from the lines on every change).
    one_time_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    monthly_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    usage_monthly_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    contract_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    approval_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    override_reason: Mapped[str | None] = mapped_column(Text)
    accept_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by: Mapped[str | None] = mapped_column(String(200))  # a user or the customer's name
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class QuoteLine(IdMixin, Base):
    """One priced line; lines with the same ``bundle`` are one Smart PSS bundle."""

    __tablename__ = "quote_line"

    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[RevenueModel] = mapped_column(StringEnum(RevenueModel, 24))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)  # per unit (per period if recurring)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(1))
    discount_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(0))
    bundle: Mapped[str | None] = mapped_column(String(120))
    bundle_discount_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(0))
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    asset_ids: Mapped[list[int] | None] = mapped_column(JSON)  # covered machines
    # A price from a standard formula: the formula, its parameters and the computed steps, kept
    # as the line's evidence (None: the catalogue's price or one typed within the floor).
    formula: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Contract(IdMixin, TimestampMixin, Base):
    """What an accepted recurring line became: a subscription, service agreement, licence,
    usage contract or availability contract, with its fee, term and renewal."""

    __tablename__ = "contract"

    number: Mapped[str] = mapped_column(String(20), unique=True)  # C-000042
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"), index=True)
    quote_line_id: Mapped[int | None] = mapped_column(ForeignKey("quote_line.id"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id"))
    availability_contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("availability_contract.id")
    )
    kind: Mapped[ContractKind] = mapped_column(StringEnum(ContractKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[ContractStatus] = mapped_column(
        StringEnum(ContractStatus, 12), default=ContractStatus.active
    )
    currency: Mapped[str] = mapped_column(String(3))
    fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # per period, all units
    period: Mapped[Period] = mapped_column(StringEnum(Period, 8), default=Period.month)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # usage tiers etc.
    start_on: Mapped[date] = mapped_column(Date)
    minimum_term_end: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)  # set by cancellation or a fixed term
    renewal_on: Mapped[date | None] = mapped_column(Date)
    notice_months: Mapped[int] = mapped_column(Integer, default=3)
    indexation_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal(0))
    suspended_from: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class ContractAsset(Base):
    """A machine a contract covers."""

    __tablename__ = "contract_asset"

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), primary_key=True, index=True)


class ContractChange(IdMixin, Base):
    """One change of a contract's life: amend, suspend, resume, cancel, renew, index."""

    __tablename__ = "contract_change"

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    fee_before_cents: Mapped[int | None] = mapped_column(BigInteger)
    fee_after_cents: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class BillingPeriod(Base):
    """A billed month; once closed, its lines never change (a correction is a new line)."""

    __tablename__ = "billing_period"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BillingLine(IdMixin, Base):
    """What one contract owes (or is credited) for one period, with its evidence.

    ``key`` makes a run idempotent: the same fee, usage, settlement or one-time item of the same
    contract and period is written once, whatever the number of runs.
    """

    __tablename__ = "billing_line"
    __table_args__ = (Index("ix_billing_line_period_account", "period", "account_id"),)

    key: Mapped[str] = mapped_column(String(160), unique=True)
    period: Mapped[str] = mapped_column(String(7))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"))
    kind: Mapped[str] = mapped_column(String(20))  # fee, usage, penalty, bonus, one_time, …
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeterReading(IdMixin, Base):
    """A meter's cumulative reading of one machine under a usage contract, imported from a file
    (operating hours, kWh, units produced): what a usage contract metered "from imported meter
    readings" bills from (``offers.readings``), instead of telemetry."""

    __tablename__ = "meter_reading"
    __table_args__ = (
        UniqueConstraint("contract_id", "asset_id", "read_at"),
        Index("ix_meter_reading_contract_time", "contract_id", "read_at"),
    )

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reading: Mapped[Decimal] = mapped_column(Numeric(18, 4))  # cumulative, never decreasing
    unit: Mapped[str] = mapped_column(String(40))  # the contract's metric
    source: Mapped[str] = mapped_column(String(200))  # the file it came from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(120))


__all__ = [
    "BillingLine",
    "BillingPeriod",
    "Contract",
    "ContractAsset",
    "ContractChange",
    "ContractKind",
    "ContractStatus",
    "MeterReading",
    "OfferingPrice",
    "Quote",
    "QuoteKind",
    "QuoteLine",
    "QuoteStatus",
]
