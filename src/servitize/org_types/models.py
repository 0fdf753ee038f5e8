"""Tables of the organisation types: which type serves which customer group from when, and who
sits at which sales desk (the sellers per offering family)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import StringEnum, TimestampMixin
from servitize.org_types.rules import Basis, Desk


class TypeAssignment(IdMixin, TimestampMixin, Base):
    """A type for a customer group (an account, a segment, an industry or a country) from a
    day, until the day it ends (exclusive; open while empty), with who assigned it and why."""

    __tablename__ = "org_type_assignment"
    __table_args__ = (Index("ix_org_type_assignment_group", "basis", "value"),)

    basis: Mapped[str] = mapped_column(StringEnum(Basis, 16))
    value: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)


class FamilySeller(IdMixin, TimestampMixin, Base):
    """A user who sells at a desk (an offering family under the types), for one territory or
    for all (territory empty)."""

    __tablename__ = "org_family_seller"
    __table_args__ = (UniqueConstraint("user_id", "desk", "territory"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    desk: Mapped[str] = mapped_column(StringEnum(Desk, 24))
    territory: Mapped[str | None] = mapped_column(String(80))
