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

``Rates.convert_array`` converts whole Arrow columns by the same convention, to the same cents
as ``convert`` row by row (the analytics batch's records: millions of amounts).

Nothing here touches the database: capabilities load the rate series and hand them in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, getcontext
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:  # numpy and pyarrow load with convert_array, not with every page
    import numpy as np
    import pyarrow as pa

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


EPOCH = date(1970, 1, 1)  # Arrow's date32 counts days from here

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

    def convert_array(self, cents: pa.Array, currencies: pa.Array, days: pa.Array) -> pa.Array:
        """``convert`` over Arrow columns of one length (int64 cents, currency codes, date32
        days): int64 cents in the company currency, null without a rate or where the cents are
        null; for every row exactly the cents ``convert`` gives.

        Per currency, the rate in force on each day is found by one binary search of the whole
        column (numpy ``searchsorted``, the newest rate on or before the day, else the oldest);
        each amount times its rate is taken exactly in Arrow's decimal256 (the rate as the
        decimal ``convert`` makes of it, ``Decimal(str(rate))``) and rounded half to even to a
        whole cent. ``convert`` multiplies in the decimal context's precision (28 digits), which
        rounds a longer product first: the rows whose product is that long (billions in cents
        times a rate of 16 or 17 digits), a rate that is not a finite number,
        a missing day or a series not sorted by day go through ``convert`` itself, one by one.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        cents, currencies, days = (
            c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
            for c in (cents, currencies, days)
        )
        cents = cents.cast(pa.int64())
        values = pc.fill_null(cents, 0).to_numpy()
        known = cents.is_valid().to_numpy(zero_copy_only=False)
        day_numbers = pc.fill_null(days.cast(pa.date32()).cast(pa.int32()), 0).to_numpy()
        dated = days.is_valid().to_numpy(zero_copy_only=False)
        out = np.zeros(len(cents), np.int64)
        valid = np.zeros(len(cents), np.bool_)
        encoded = pc.dictionary_encode(currencies.cast(pa.string()))
        codes = pc.fill_null(encoded.indices, -1).to_numpy()
        for k, currency in enumerate(encoded.dictionary.to_pylist()):
            rows = np.flatnonzero((codes == k) & known)
            if currency == self.company:
                out[rows], valid[rows] = values[rows], True
            elif self._days.get(currency):
                converted = self._convert_rows(
                    currency, values[rows], day_numbers[rows], dated[rows]
                )
                out[rows], valid[rows] = converted, True
        return pa.array(out, pa.int64(), mask=~valid)

    def _convert_rows(
        self, currency: str, cents: np.ndarray, day_numbers: np.ndarray, dated: np.ndarray
    ) -> np.ndarray:
        """``convert_array`` for the rows of one currency with a rate: their cents converted."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        days, rates = self._days[currency], self._rates[currency]
        series = np.array([(d - EPOCH).days for d in days], np.int64)
        at = np.maximum(np.searchsorted(series, day_numbers, side="right") - 1, 0)
        # Each rate as convert's decimal: coefficient times 10 to the exponent; all of them on
        # one scale (the most decimal places) for one decimal column. ``limit``: the largest
        # amount (absolute) whose product keeps within the context's precision, so that the
        # Decimal product is exact and rounded once, as here.
        room = 10 ** getcontext().prec
        decimals = [Decimal(str(r)) for r in rates]
        finite = [d.is_finite() for d in decimals]
        places = max([-int(d.as_tuple().exponent) for d in decimals if d.is_finite()] + [0])
        scaled, limit = [], []
        for d, ok in zip(decimals, finite, strict=True):
            if not ok:
                scaled.append(0)
                limit.append(-1)  # every row of it goes through convert
                continue
            sign, digits, exponent = d.as_tuple()
            coefficient = int("".join(map(str, digits))) * 10 ** max(int(exponent), 0)
            scaled.append((-1) ** sign * coefficient * 10 ** (places + min(int(exponent), 0)))
            limit.append((room - 1) // coefficient if coefficient else room)
        precision = max([len(str(abs(v))) for v in scaled] + [places + 1])
        one_by_one = ~dated | (np.diff(series) < 0).any()
        if precision + 20 > 76:  # the product would not fit decimal256: every row one by one
            one_by_one = np.ones(len(cents), np.bool_)
        else:
            cap = np.array([min(v, 2**64 - 1) if v >= 0 else 0 for v in limit], np.uint64)
            magnitude = np.abs(cents).view(np.uint64)  # |-2**63| read unsigned is 2**63
            exact = np.array(finite, np.bool_)[at] & (magnitude <= cap[at])
            one_by_one = one_by_one | ~exact
        out = np.zeros(len(cents), np.int64)
        vector = np.flatnonzero(~one_by_one)
        if len(vector):
            rate_column = pa.array(
                [Decimal(f"{v}E-{places}") for v in scaled], pa.decimal256(precision, places)
            )
            product = pc.multiply(
                pa.array(cents[vector]).cast(pa.decimal256(19, 0)),
                rate_column.take(pa.array(at[vector])),
            )
            rounded = pc.round(product, ndigits=0, round_mode="half_to_even")
            out[vector] = rounded.cast(pa.int64()).to_numpy()
        for i in np.flatnonzero(one_by_one):
            day = EPOCH + timedelta(days=int(day_numbers[i])) if dated[i] else None
            value = self.convert(int(cents[i]), currency, day)  # type: ignore[arg-type]
            assert value is not None  # the currency has a rate
            out[i] = value
        return out

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
