"""Users, API tokens and the audit trail."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, Id, IdMixin, utcnow
from servitize.kit.columns import StringEnum, TimestampMixin, UTCDateTime


class Role(enum.StrEnum):
    """What a user does in servitize; decides what they may see and change."""

    admin = "admin"
    sales_manager = "sales_manager"
    account_owner = "account_owner"
    technician = "technician"
    service_manager = "service_manager"
    analyst = "analyst"
    # Outside the company: a customer's user sees the portal of their own accounts; a partner
    # (dealer, subcontractor, integrator, data provider) sees the partner pages of its work.
    customer = "customer"
    partner = "partner"


class User(IdMixin, TimestampMixin, Base):
    """A person who logs in; account owners are the one face to their customers."""

    __tablename__ = "user"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(StringEnum(Role, length=32))
    territory: Mapped[str | None] = mapped_column(String(80), index=True)
    dealer_account_id: Mapped[int | None] = mapped_column(Id)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Signed into every session cookie; logout and a new password move it on, which ends every
    # session signed before (checked on each request).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by an admin's password reset: the one-time password opens only the page that changes it.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )


class ApiToken(IdMixin, Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(IdMixin, Base):
    """One change to a record: who, when, what, the values before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Id)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))


class LoginThrottle(IdMixin, Base):
    """Failed logins of one username or one address in the current window, and until when further
    attempts are refused (``trust.throttle``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Kept in a module of its own; imported here so that the migrations see its table.
from servitize.trust.saved_filters import SavedFilter as SavedFilter  # noqa: E402
