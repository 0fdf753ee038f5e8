"""The lab's records: a network model (its variables and scale), each person's own scoring of
its influence matrix, and the consensus versions recorded from them.

Cells are kept as written (``2``, ``-1s``, ``0``: see ``organisation.rules``), a matrix as a
JSON list of rows. The variables of a model do not change once it is made (every scoring and
version reads against them); to change them, start a new model from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin
from servitize.kit.columns import TimestampMixin, UTCDateTime


class NetworkModel(IdMixin, TimestampMixin, Base):
    """A network model of the sales organisation: its variables and the scale's maximum."""

    __tablename__ = "network_model"

    name: Mapped[str] = mapped_column(String(200))
    variables: Mapped[list[str]] = mapped_column(JSON)
    scale_max: Mapped[int] = mapped_column(Integer, default=3)
    created_by: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)


class NetworkScoring(IdMixin, Base):
    """One person's own scoring of a model's matrix (the newest one they saved)."""

    __tablename__ = "network_scoring"
    __table_args__ = (UniqueConstraint("model_id", "scorer"),)

    model_id: Mapped[int] = mapped_column(ForeignKey("network_model.id"), index=True)
    scorer: Mapped[str] = mapped_column(String(120))
    cells: Mapped[list[list[str]]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class NetworkVersion(IdMixin, Base):
    """A consensus matrix as recorded: numbered 1, 2, … per model; the newest is the model's."""

    __tablename__ = "network_version"
    __table_args__ = (UniqueConstraint("model_id", "number"),)

    model_id: Mapped[int] = mapped_column(ForeignKey("network_model.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    cells: Mapped[list[list[str]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
