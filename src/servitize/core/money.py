"""Money as integer minor units plus an ISO currency; exchange rates by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from sqlalchemy import Date, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin

CENTS = Decimal(100)


def to_cents(value: str | float | Decimal) -> int:
    """Parse an amount in major units ("1234.5", "1,234.50" not accepted) into minor units."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((amount * CENTS).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_cents(cents: int | None) -> Decimal | None:
    """Minor units back to a Decimal amount in major units."""
    if cents is None:
        return None
    return (Decimal(cents) / CENTS).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Money:
    """An amount with its currency."""

    cents: int
    currency: str

    @property
    def amount(self) -> Decimal:
        """The amount in major units."""
        return from_cents(self.cents) or Decimal(0)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


class ExchangeRate(IdMixin, Base):
    """How many units of the company currency one unit of ``currency`` was worth on ``day``."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency", "day"),)

    currency: Mapped[str] = mapped_column(String(3))
    day: Mapped[date] = mapped_column(Date)
    rate: Mapped[float] = mapped_column(Float)


def convert(cents: int, rate: float) -> int:
    """Convert minor units by a rate, rounding half to even."""
    return int((Decimal(cents) * Decimal(str(rate))).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

