"""The portal's records: invitations of customer users, their downtime disputes, their service
requests and their requests for changes to a quote."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class DisputeStatus(enum.StrEnum):
    """Where a dispute stands: open until the service manager answers it."""

    open = "open"
    upheld = "upheld"
    rejected = "rejected"


class RequestStatus(enum.StrEnum):
    """Where a customer's service request stands."""

    open = "open"
    lead = "lead"  # turned into a lead for the account's owner
    work_order = "work_order"  # turned into a work order (servitize.service_work)
    closed = "closed"


class ChangeStatus(enum.StrEnum):
    """Where a customer's request for changes to a quote stands."""

    open = "open"
    revised = "revised"  # answered with a new revision of the quote
    closed = "closed"  # answered without changing the quote


class PortalInvitation(IdMixin, TimestampMixin, Base):
    """An invitation of a customer's person to the portal of one account; its link works once."""

    __tablename__ = "portal_invitation"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    # The signed link carries this nonce; the invitation is used when user_id is set.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class DowntimeDispute(IdMixin, TimestampMixin, Base):
    """A customer's objection to how a downtime period of a contract month was classified."""

    __tablename__ = "downtime_dispute"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("availability_contract.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    serial: Mapped[str] = mapped_column(String(120))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(30))  # as classified: down, planned_maintenance…
    asked_state: Mapped[str] = mapped_column(String(30))  # what the customer says it was
    source: Mapped[str] = mapped_column(String(10))  # status or record
    downtime_period_id: Mapped[int | None] = mapped_column(ForeignKey("downtime_period.id"))
    reason: Mapped[str] = mapped_column(Text)  # the customer's words
    status: Mapped[DisputeStatus] = mapped_column(
        StringEnum(DisputeStatus, 10), default=DisputeStatus.open
    )
    answer: Mapped[str | None] = mapped_column(Text)  # the service manager's words to the customer
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The month's amount when the dispute was opened and after the answer (minor units).
    currency: Mapped[str] = mapped_column(String(3))
    amount_before_cents: Mapped[int] = mapped_column(BigInteger)
    amount_after_cents: Mapped[int | None] = mapped_column(BigInteger)


class ServiceRequest(IdMixin, TimestampMixin, Base):
    """What a customer needs, for which machine; staff turn it into a lead or a work order (its
    ``request_ref`` is ``portal-request:<id>``), or close it."""

    __tablename__ = "service_request"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        StringEnum(RequestStatus, 10), default=RequestStatus.open
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class QuoteChangeRequest(IdMixin, TimestampMixin, Base):
    """A customer's message asking for changes to a quote; staff answer it on the quote's page
    (a new revision, or closed with words), and the customer reads the answer in the portal."""

    __tablename__ = "quote_change_request"

    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    message: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The staff's answer, in words for the customer; the revision it opened, if any.
    status: Mapped[ChangeStatus] = mapped_column(
        StringEnum(ChangeStatus, 10), default=ChangeStatus.open, server_default="open"
    )
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id", ondelete="SET NULL"))
