"""Tables of the kpis capability: the effort people spend on winning customers, what an hour of
each role costs, the money spent on campaigns, fairs and commissions, and which leads and
opportunities that spend touched."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class SpendKind(enum.StrEnum):
    """What money was spent on to win customers."""

    campaign = "campaign"
    trade_fair = "trade_fair"
    commission = "commission"  # a dealer's or partner's commission


class Channel(enum.StrEnum):
    """How a customer or a new revenue stream was won."""

    sales_rep = "sales_rep"
    technician = "technician"
    dealer = "dealer"
    web = "web"
    renewal = "renewal"


class EffortEntry(IdMixin, Base):
    """Hours one person spent on a sales activity, a visit or a lead (one of them is set)."""

    __tablename__ = "effort_entry"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # the person's role when the hours were spent
    region: Mapped[str | None] = mapped_column(String(80))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_activity.id", ondelete="SET NULL"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL"), index=True
    )
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CostRate(IdMixin, Base):
    """The loaded cost of one hour of a role (in a region, or everywhere), from a day on."""

    __tablename__ = "cost_rate"
    __table_args__ = (UniqueConstraint("role", "region", "valid_from"),)

    role: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(80))  # None: every region without its own
    valid_from: Mapped[date] = mapped_column(Date)
    cents_per_hour: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class Spend(IdMixin, TimestampMixin, Base):
    """Money spent to win customers over a period: a campaign, a trade fair, a commission."""

    __tablename__ = "spend"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[SpendKind] = mapped_column(StringEnum(SpendKind, 16))
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(StringEnum(Channel, 16))
    segment: Mapped[str | None] = mapped_column(String(60))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # A commission is paid for one account's purchase; campaigns and fairs for many.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)


class Touch(IdMixin, Base):
    """A spend reached an account on a day: a campaign answered, a fair stand visited."""

    __tablename__ = "spend_touch"

    spend_id: Mapped[int] = mapped_column(ForeignKey("spend.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL")
    )
    day: Mapped[date] = mapped_column(Date)
