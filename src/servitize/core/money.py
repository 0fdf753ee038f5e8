"""Money as integer minor units plus an ISO currency; exchange rates by date."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from sqlalchemy import Date, Float, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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


# The one conversion convention (docs/money.md): an amount dated D is converted at the rate in
# force on D, i.e. the newest rate dated on or before D; an amount older than every known rate
# takes the oldest known rate. An amount in a currency with no rate at all is never converted
# (and never counted 1:1): it stays "unconverted" and is shown apart, in its own currency.
RateTable = Mapping[str, Sequence[tuple[date, float]]]


class Rates:
    """Rate series per currency, ready to convert many amounts by the one convention."""

    def __init__(self, rates: RateTable, company: str, as_of: date | None = None) -> None:
        # ``as_of``: rates dated after that day are not in force yet and are never used (a
        # planned rate for next month does not convert today's amount, not even as the "oldest").
        self.company = company
        if as_of is not None:
            rates = {c: [(d, r) for d, r in s if d <= as_of] for c, s in rates.items()}
        self._days = {c: [d for d, _ in s] for c, s in rates.items() if s}
        self._rates = {c: [r for _, r in s] for c, s in rates.items() if s}

    def rate_on(self, currency: str, day: date) -> float | None:
        """The rate in force on ``day`` (1 for the company currency; None without any rate)."""
        if currency == self.company:
            return 1.0
        days = self._days.get(currency)
        if not days:
            return None
        return self._rates[currency][max(bisect_right(days, day) - 1, 0)]

    def convert(self, cents: int, currency: str, day: date) -> int | None:
        """``cents`` of ``currency`` dated ``day`` in the company currency; None without a rate."""
        if currency == self.company:
            return cents
        rate = self.rate_on(currency, day)
        return None if rate is None else convert(cents, rate)

    def sum(self, amounts: Iterable[tuple[int, str, date]]) -> Converted:
        """Sum (cents, currency, day) amounts; what has no rate stays apart, per currency."""
        total = 0
        left: dict[str, int] = {}
        for cents, currency, day in amounts:
            value = self.convert(cents, currency, day)
            if value is None:
                left[currency] = left.get(currency, 0) + cents
            else:
                total += value
        return Converted(total, self.company, left)


@dataclass
class Converted:
    """A sum in the company currency plus what could not be converted, per currency."""

    cents: int
    currency: str
    unconverted: dict[str, int] = field(default_factory=dict)

    def unconverted_money(self) -> list[Money]:
        """The amounts left in their own currency, by currency code."""
        return [Money(c, cur) for cur, c in sorted(self.unconverted.items())]


def convert_at(cents: int, currency: str, day: date, rates: RateTable, company: str) -> int | None:
    """One amount in the company currency by the convention; None without a rate."""
    return Rates(rates, company).convert(cents, currency, day)


def convert_sum(
    amounts: Iterable[tuple[int, str, date]], rates: RateTable, company: str
) -> Converted:
    """Sum (cents, currency, day) amounts into the company currency by the one convention."""
    return Rates(rates, company).sum(amounts)


def load_rates(
    session: Session, currencies: Iterable[str] | None = None
) -> dict[str, list[tuple[date, float]]]:
    """Every stored rate (of some currencies), per currency sorted by day."""
    q = select(ExchangeRate.currency, ExchangeRate.day, ExchangeRate.rate).order_by(
        ExchangeRate.currency, ExchangeRate.day
    )
    if currencies is not None:
        wanted = set(currencies)
        if not wanted:
            return {}
        q = q.where(ExchangeRate.currency.in_(wanted))
    out: dict[str, list[tuple[date, float]]] = {}
    for currency, day, rate in session.execute(q):
        out.setdefault(currency, []).append((day, rate))
    return out
