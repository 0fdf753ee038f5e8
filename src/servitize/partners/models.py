"""The actors around an account: partners (subcontractors, software and data providers,
integrators, dealers) with the accounts and offerings they work on and the boundary of what they
do, their users, the blueprint activities assigned to them; and competitors tracked by type with
their observed actions, the opportunities they compete in, where they were first seen and the
alerts raised when one appears at an account where it was not before."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class PartnerKind(enum.StrEnum):
    """What a partner does for us."""

    subcontractor = "subcontractor"
    software_provider = "software_provider"
    data_provider = "data_provider"
    integrator = "integrator"
    dealer = "dealer"


class CompetitorType(enum.StrEnum):
    """The four types of competitor of a manufacturer selling services."""

    machine_manufacturer = "machine_manufacturer"
    diversified_technology_firm = "diversified_technology_firm"
    service_start_up = "service_start_up"
    own_service_organisation = "own_service_organisation"


class ActionKind(enum.StrEnum):
    """What was observed of a competitor."""

    price = "price"
    offer = "offer"
    contract_won = "contract_won"


class Partner(IdMixin, TimestampMixin, Base):
    """A partner of the ecosystem: its role in words, the boundary of what it does (text and the
    blueprint activities it may be assigned), a contact; a dealer names its dealer account."""

    __tablename__ = "partner"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(StringEnum(PartnerKind, 24))
    role: Mapped[str] = mapped_column(String(300))
    boundary: Mapped[str | None] = mapped_column(Text)
    # Codes of the blueprint's activities (sales.process templates) it may be assigned, beyond
    # those whose actor is "partner".
    activity_codes: Mapped[list[str]] = mapped_column(JSON)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    dealer_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PartnerAccount(IdMixin, Base):
    """An account a partner works on."""

    __tablename__ = "partner_account"
    __table_args__ = (UniqueConstraint("partner_id", "account_id"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)


class PartnerOffering(IdMixin, Base):
    """An offering a partner works on."""

    __tablename__ = "partner_offering"
    __table_args__ = (UniqueConstraint("partner_id", "offering_id"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)


class PartnerUser(IdMixin, Base):
    """A user of role partner and the one partner they belong to."""

    __tablename__ = "partner_user"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)


class PartnerAssignment(IdMixin, Base):
    """A blueprint activity of an opportunity assigned to a partner (one partner each)."""

    __tablename__ = "partner_assignment"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("sales_activity.id", ondelete="CASCADE"), unique=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(80))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Competitor(IdMixin, TimestampMixin, Base):
    """A competitor of the master: its type, products, and the names its machines and the old
    free-text records carry (aliases)."""

    __tablename__ = "competitor"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(StringEnum(CompetitorType, 32))
    products: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)


class CompetitorAction(IdMixin, Base):
    """An observed action of a competitor (a price, an offer, a contract won), with its source."""

    __tablename__ = "competitor_action"
    __table_args__ = (Index("ix_competitor_action_competitor_on", "competitor_id", "observed_on"),)

    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(StringEnum(ActionKind, 16))
    observed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OpportunityCompetitor(IdMixin, TimestampMixin, Base):
    """A competitor in an opportunity, with its SWOT line as the team sees it."""

    __tablename__ = "opportunity_competitor"
    __table_args__ = (UniqueConstraint("opportunity_id", "competitor_id"),)

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"), index=True)
    strengths: Mapped[str | None] = mapped_column(String(300))
    weaknesses: Mapped[str | None] = mapped_column(String(300))
    opportunities: Mapped[str | None] = mapped_column(String(300))
    threats: Mapped[str | None] = mapped_column(String(300))


class CompetitorSighting(IdMixin, Base):
    """The day a competitor was first known at an account, and how (machines, action, ...)."""

    __tablename__ = "competitor_sighting"
    __table_args__ = (UniqueConstraint("competitor_id", "account_id"),)

    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    via: Mapped[str] = mapped_column(String(24))


class CompetitorAlert(IdMixin, Base):
    """A competitor appeared at an account where it was not before; seen once someone read it."""

    __tablename__ = "competitor_alert"

    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    via: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(String(300))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seen_by: Mapped[str | None] = mapped_column(String(80))
