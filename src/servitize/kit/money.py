"""Money in Decimal and the one way servitize converts it between currencies.

``Money(amount, currency)`` is an amount with its three-letter currency code. servitize keeps
every currency in hundredths (the ``*_cents`` columns), so an amount is rounded half to even to
the cent; ``cents`` gives it back as an integer. Amounts of one currency add and subtract;
adding two currencies is refused (convert first). Multiplying by a number rounds to the cent.

``Rates`` holds the exchange-rate series per currency and converts by the one convention of
docs/money.md: an amount dated D at the rate in force on D (the newest rate dated on or before
D; before every known rate, the oldest one); a currency with no rate is never converted (never
1:1) and stays apart; ``as_of`` drops rates that are not in force yet. Each conversion rounds
half to even to a whole cent; sums add converted cents.

Nothing here touches the database: capabilities load the rate series and hand them in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import overload

CENTS = Decimal(100)
CENT = Decimal("0.01")


def to_cents(value: str | float | Decimal) -> int:
    """Parse an amount in major units ("1234.5"; "1,234.50" is not accepted) into cents."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((amount * CENTS).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def whole_cents(amount: Decimal) -> int:
    """An exact amount in cents rounded half to even to a whole cent (the money convention)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@overload
def from_cents(cents: int) -> Decimal: ...
@overload
def from_cents(cents: None) -> None: ...
def from_cents(cents: int | None) -> Decimal | None:
    """Cents back to a Decimal amount in major units (None stays None)."""
    if cents is None:
        return None
    return (Decimal(cents) / CENTS).quantize(CENT)


@dataclass(frozen=True)
class Money:
    """An amount with its currency, rounded half to even to the cent."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        code = self.currency
        # three characters, as the records hold them (imports upper-case them; the API asks
        # for three characters only, so a stored code is never refused here)
        if not (isinstance(code, str) and len(code) == 3 and not code.isspace()):
            raise ValueError(f"currency: {code!r} is not a three-letter code like EUR")
        if isinstance(self.amount, float) or not isinstance(self.amount, (Decimal, int)):
            raise TypeError(f"amount: give a Decimal or an int, not {type(self.amount).__name__}")
        amount = Decimal(self.amount)
        if not amount.is_finite():
            raise ValueError(f"amount: {self.amount!r} is not a number")
        object.__setattr__(self, "amount", amount.quantize(CENT, rounding=ROUND_HALF_EVEN))

    @classmethod
    def of_cents(cls, cents: int, currency: str) -> Money:
        """The money of ``cents`` hundredths of ``currency``."""
        return cls(Decimal(cents) / CENTS, currency)

    @property
    def cents(self) -> int:
        """The amount in hundredths, as stored."""
        return int(self.amount * CENTS)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(
                f"cannot add or subtract {other.currency} and {self.currency}: convert first"
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float) or not isinstance(factor, (Decimal, int)):
            return NotImplemented
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        """``1,234.50 EUR``."""
        return f"{self.amount:,.2f} {self.currency}"

    def whole(self) -> str:
        """Whole units as the pages show them: ``12,500 EUR``."""
        return f"{self.amount:,.0f} {self.currency}"


def convert(cents: int, rate: float | Decimal) -> int:
    """Cents multiplied by a rate, rounded half to even to a whole cent."""
    return int((Decimal(cents) * Decimal(str(rate))).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


# Rate series per currency: (day, rate) sorted by day; a rate is how many units of the company
# currency one unit of the currency was worth on that day.
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

    def convert_to(self, cents: int, currency: str, target: str, day: date) -> int | None:
        """``cents`` of ``currency`` in ``target``: through the company currency at the rates in
        force on ``day``, each step rounded half to even to a cent; None without a rate."""
        if currency == target:
            return cents
        in_company = self.convert(cents, currency, day)
        if in_company is None or target == self.company:
            return in_company
        rate = self.rate_on(target, day)
        if not rate:
            return None
        return int(
            (Decimal(in_company) / Decimal(str(rate))).quantize(
                Decimal(1), rounding=ROUND_HALF_EVEN
            )
        )

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
        return [Money.of_cents(c, cur) for cur, c in sorted(self.unconverted.items())]


def convert_at(cents: int, currency: str, day: date, rates: RateTable, company: str) -> int | None:
    """One amount in the company currency by the convention; None without a rate."""
    return Rates(rates, company).convert(cents, currency, day)


def convert_sum(
    amounts: Iterable[tuple[int, str, date]], rates: RateTable, company: str
) -> Converted:
    """Sum (cents, currency, day) amounts into the company currency by the one convention."""
    return Rates(rates, company).sum(amounts)
