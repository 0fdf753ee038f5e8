"""The installed-base records: accounts and their people, sites, machines and history."""

from __future__ import annotations

import enum
from datetime import date, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import StringEnum, TimestampMixin


class AccountKind(enum.StrEnum):
    """An end customer, or a dealer/partner through which customers are served."""

    customer = "customer"
    dealer = "dealer"


class OwnershipType(enum.StrEnum):
    """Who owns the customer company; readiness for services differs by it."""

    family = "family"
    listed = "listed"
    investor = "investor"
    public = "public"


class BuyingRole(enum.StrEnum):
    """A contact's role in the customer's buying centre."""

    decision_maker = "decision_maker"
    decision_influencer = "decision_influencer"
    user = "user"
    technical = "technical"
    procurement = "procurement"


class ContactLevel(enum.StrEnum):
    """Where in the customer's hierarchy a contact sits."""

    operations = "operations"
    management = "management"
    executive = "executive"


class Origin(enum.StrEnum):
    """Whether we built the machine or a competitor did."""

    own = "own"
    competitor = "competitor"


class Connectivity(enum.StrEnum):
    """Sensor generation of a machine: none, an older generation, or current."""

    none = "none"
    legacy = "legacy"
    current = "current"


class ServiceCoverage(enum.StrEnum):
    """The service agreement a machine is under, if any."""

    none = "none"
    inspection = "inspection"
    maintenance = "maintenance"
    full_service = "full_service"
    availability = "availability"


class CoverageStatus(enum.StrEnum):
    """Derived: is the machine under warranty or contract today, or out of it."""

    under_warranty = "under_warranty"
    under_contract = "under_contract"
    out_of_warranty = "out_of_warranty"
    out_of_contract = "out_of_contract"


class ServiceKind(enum.StrEnum):
    """What a work order was."""

    repair = "repair"
    maintenance = "maintenance"
    inspection = "inspection"
    installation = "installation"
    visit = "visit"
    remote = "remote"


class Shell(enum.StrEnum):
    """Smart PSS shell of a catalogue item (see docs/glossary.md)."""

    product = "product"
    spare_parts = "spare_parts"
    expanded_range = "expanded_range"
    service = "service"
    digital_service = "digital_service"
    smart_pss_bundle = "smart_pss_bundle"


class RevenueModel(enum.StrEnum):
    """How an offering earns money."""

    one_time = "one_time"
    per_service = "per_service"
    subscription = "subscription"
    availability_contract = "availability_contract"
    licence = "licence"
    usage = "usage"  # metered from telemetry or meter readings


class SalesChannel(enum.StrEnum):
    """How an order was sold."""

    sales_rep = "sales_rep"
    technician = "technician"
    renewal = "renewal"
    web = "web"


class Account(IdMixin, TimestampMixin, Base):
    """A customer (or dealer) company with one owner: the one face to the customer."""

    __tablename__ = "account"
    # An owner's accounts come up in every scoped query: with the id in the index the
    # database answers "which accounts" from the index alone.
    __table_args__ = (Index("ix_account_owner_id", "owner_id", "id"),)

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(StringEnum(AccountKind, 16), default=AccountKind.customer)
    industry: Mapped[str | None] = mapped_column(String(80), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    territory: Mapped[str | None] = mapped_column(String(80), index=True)
    employees: Mapped[int | None] = mapped_column(Integer)
    turnover_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ownership_type: Mapped[str | None] = mapped_column(StringEnum(OwnershipType, 16))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    # The head-office address, kept by hand (installed_base.editing); sites have their own.
    address: Mapped[str | None] = mapped_column(String(300))
    # Prioritisation metrics, each scored 1 (low) to 5 (high).
    volume: Mapped[int | None] = mapped_column(Integer)
    profitability_potential: Mapped[int | None] = mapped_column(Integer)
    technical_risk: Mapped[int | None] = mapped_column(Integer)
    country_risk: Mapped[int | None] = mapped_column(Integer)
    relationship_quality: Mapped[int | None] = mapped_column(Integer)


class Contact(IdMixin, TimestampMixin, Base):
    """A person at the customer with a buying-centre role."""

    __tablename__ = "contact"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    buying_role: Mapped[str] = mapped_column(StringEnum(BuyingRole, 32))
    level: Mapped[str | None] = mapped_column(StringEnum(ContactLevel, 16))
    # A person who left or changed role: kept for the history, off the buying centre.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Site(IdMixin, TimestampMixin, Base):
    """A plant or location of an account where machines stand."""

    __tablename__ = "site"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))


class Asset(IdMixin, TimestampMixin, Base):
    """A machine of the installed base (ours or a competitor's), possibly part of a line."""

    __tablename__ = "asset"
    __table_args__ = (Index("ix_asset_account_origin", "account_id", "origin"),)

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    # Indexed by ix_asset_account_origin, whose first column it is.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    serial: Mapped[str | None] = mapped_column(String(80), index=True)
    model: Mapped[str | None] = mapped_column(String(80), index=True)
    product_line: Mapped[str | None] = mapped_column(String(80))
    manufacturer: Mapped[str | None] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(StringEnum(Origin, 16), default=Origin.own)
    competitor: Mapped[str | None] = mapped_column(String(80))
    install_date: Mapped[date | None] = mapped_column(Date)
    connectivity: Mapped[str] = mapped_column(
        StringEnum(Connectivity, 16), default=Connectivity.none
    )
    warranty_end: Mapped[date | None] = mapped_column(Date)
    coverage: Mapped[str] = mapped_column(
        StringEnum(ServiceCoverage, 16), default=ServiceCoverage.none
    )
    contract_end: Mapped[date | None] = mapped_column(Date)
    # Moves on with every change made through the ORM; a form sends back the version it showed,
    # so that a stale form cannot revert another person's change (trust.editing).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by SQLAlchemy)


class ServiceEvent(IdMixin, TimestampMixin, Base):
    """A work order on a machine: repair, maintenance, inspection, visit, remote session."""

    __tablename__ = "service_event"
    __table_args__ = (Index("ix_service_event_account_day", "account_id", "day"),)

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    # Copied from the asset so account history and access filters need no join.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(StringEnum(ServiceKind, 16))
    component: Mapped[str | None] = mapped_column(String(80))
    parts_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    labour_hours: Mapped[float] = mapped_column(Float, default=0.0)
    downtime_hours: Mapped[float] = mapped_column(Float, default=0.0)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class Offering(IdMixin, TimestampMixin, Base):
    """A catalogue item in its Smart PSS shell, with its revenue model and list price."""

    __tablename__ = "offering"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str | None] = mapped_column(String(80), index=True)
    shell: Mapped[str] = mapped_column(StringEnum(Shell, 24))
    revenue_model: Mapped[str] = mapped_column(StringEnum(RevenueModel, 24))
    list_price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    unit: Mapped[str] = mapped_column(String(40), default="each")
    sign_up_eligible: Mapped[bool] = mapped_column(Boolean, default=False)


order_asset = Table(
    "order_asset",
    Base.metadata,
    Column("order_id", ForeignKey("order.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
)


class Order(IdMixin, TimestampMixin, Base):
    """One line of purchase history: what an account bought, when, how it was sold."""

    __tablename__ = "order"
    __table_args__ = (Index("ix_order_account_day", "account_id", "day"),)

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float, default=1.0)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    channel: Mapped[str] = mapped_column(StringEnum(SalesChannel, 16))
    sold_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class CompetitorPresence(IdMixin, TimestampMixin, Base):
    """A competitor active at an account, in a product line."""

    __tablename__ = "competitor_presence"

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    competitor: Mapped[str] = mapped_column(String(80))
    product_line: Mapped[str | None] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)


class Visit(IdMixin, TimestampMixin, Base):
    """A scheduled service job of a technician at an account's site."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_technician_day", "technician_id", "day"),)

    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    day: Mapped[date] = mapped_column(Date)
    job_type: Mapped[str] = mapped_column(String(40), default="maintenance")
    # Time of day and length (service_work's dispatch board); none: "all day" (older rows).
    start_time: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)


class ExchangeRate(IdMixin, Base):
    """How many units of the company currency one unit of ``currency`` was worth on ``day``."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency", "day"),)

    currency: Mapped[str] = mapped_column(String(3))
    day: Mapped[date] = mapped_column(Date)
    rate: Mapped[float] = mapped_column(Float)


class CustomerAccount(IdMixin, Base):
    """A customer user's access to one account (the portal shows only these accounts)."""

    __tablename__ = "customer_account"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
