"""The finance of the value case: cash flows, discounting, NPV, IRR, payback, TCO.

Pure functions over explicit cash flows, in Decimal, no I/O.

- A ``CashFlow(period, amount)`` is an amount at the end of a whole period; period 0 is "now"
  (the start). ``Flows`` is a sequence of them in one currency with a stated ``PeriodLength``
  (month, quarter, year). Amounts are in major units of the currency (``Decimal``), not rounded:
  round once, at the end, with ``.cents`` (half to even, kit.money).
- The discount rate is a rate **per period**, derived from the customer's yearly rate by
  compounding: ``rate_per_period(Decimal("0.08"), PeriodLength.QUARTER)`` = 1.08^(1/4) − 1.
- NPV is computed by a named ``Convention``, always carried in the result:
  ``TIME_ZERO``: a flow of period p is discounted p periods (the flow of period 0 is not
  discounted) — the convention of servitize's value case; ``SPREADSHEET``: the spreadsheet
  NPV() function, which discounts its first value one period (a flow of period p is discounted
  p + 1 periods; equal to NPV(rate, v0, v1, …) over the values of periods 0, 1, … with zeros in
  the gaps).
- IRR is the rate per period at which the NPV is zero; ``IrrResult`` says "none" (and why) when
  no real rate above −100 % exists, and ``several=True`` with every root when the flows have
  more than one.
- Payback (simple or discounted) is the time after which the cumulative flow stays at or
  above zero, interpolated linearly within the period where it crosses; ``None`` with the
  reason when it never pays back within the flows.
- Flows of two currencies never mix: ``converted`` moves flows to another currency with an
  explicit ``kit.money.Rates`` table; otherwise combining them raises ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import Enum, StrEnum
from itertools import pairwise
from typing import overload

import numpy as np

from servitize.core.errors import InvalidInput
from servitize.kit.money import CENTS, Rates, whole_cents

ONE = Decimal(1)
ZERO = Decimal(0)


class PeriodLength(Enum):
    """The length of one period; ``.per_year`` is the number of periods in a year."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def per_year(self) -> int:
        """Periods in a year: 12, 4 or 1."""
        return _PER_YEAR[self]


_PER_YEAR = {PeriodLength.MONTH: 12, PeriodLength.QUARTER: 4, PeriodLength.YEAR: 1}


class Convention(StrEnum):
    """How the flows are placed in time when discounting (named in every result)."""

    TIME_ZERO = "time_zero"
    """The flow of period 0 is at time 0, undiscounted; period p is discounted p periods."""
    SPREADSHEET = "spreadsheet"
    """The spreadsheet NPV(): the first flow is discounted one period (p + 1 periods)."""


@dataclass(frozen=True)
class CashFlow:
    """An amount (major units, Decimal; negative = paid out) at the end of period ``period``."""

    period: int
    amount: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.period, bool) or not isinstance(self.period, int) or self.period < 0:
            raise InvalidInput(f"period: {self.period!r} is not a whole period of 0 or more")
        if isinstance(self.amount, float) or not isinstance(self.amount, (Decimal, int)):
            raise InvalidInput(
                f"amount: give a Decimal or an int, not {type(self.amount).__name__}"
            )
        amount = Decimal(self.amount)
        if not amount.is_finite():
            raise InvalidInput(f"amount: {self.amount!r} is not a number")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class Flows(Sequence[CashFlow]):
    """Cash flows of one currency and one period length, one per period (sorted, no repeats).

    Build with ``Flows.of([-1000, 300, 300, …], "EUR", PeriodLength.YEAR)`` (amounts of the
    periods 0, 1, 2, …) or ``Flows.at([(0, -1000), (4, 300)], …)``; flows given for the same
    period are added.
    """

    flows: tuple[CashFlow, ...]
    currency: str
    length: PeriodLength = PeriodLength.YEAR

    def __post_init__(self) -> None:
        code = self.currency
        if not (isinstance(code, str) and len(code) == 3 and code.isalpha()):
            raise InvalidInput(f"currency: {code!r} is not a three-letter code like EUR")
        merged: dict[int, Decimal] = {}
        for flow in self.flows:
            if not isinstance(flow, CashFlow):
                raise InvalidInput(f"flows: {flow!r} is not a CashFlow")
            merged[flow.period] = merged.get(flow.period, ZERO) + flow.amount
        object.__setattr__(self, "flows", tuple(CashFlow(p, merged[p]) for p in sorted(merged)))

    @classmethod
    def of(
        cls,
        amounts: Iterable[Decimal | int],
        currency: str,
        length: PeriodLength = PeriodLength.YEAR,
        start: int = 0,
    ) -> Flows:
        """The amounts of the periods ``start``, ``start + 1``, … in order."""
        return cls(
            tuple(CashFlow(start + i, _amount(a)) for i, a in enumerate(amounts)),
            currency,
            length,
        )

    @classmethod
    def at(
        cls,
        pairs: Iterable[tuple[int, Decimal | int]],
        currency: str,
        length: PeriodLength = PeriodLength.YEAR,
    ) -> Flows:
        """Flows from (period, amount) pairs."""
        return cls(tuple(CashFlow(p, _amount(a)) for p, a in pairs), currency, length)

    @overload
    def __getitem__(self, index: int) -> CashFlow: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CashFlow]: ...
    def __getitem__(self, index: int | slice) -> CashFlow | Sequence[CashFlow]:
        return self.flows[index]

    def __len__(self) -> int:
        return len(self.flows)

    def __iter__(self) -> Iterator[CashFlow]:
        return iter(self.flows)

    @property
    def last(self) -> int:
        """The last period with a flow (0 when there are none)."""
        return self.flows[-1].period if self.flows else 0

    def dense(self) -> list[Decimal]:
        """The amount of every period 0 … last, zero where no flow is given."""
        out = [ZERO] * (self.last + 1) if self.flows else []
        for flow in self.flows:
            out[flow.period] = flow.amount
        return out

    def total(self) -> Decimal:
        """The plain sum of the amounts."""
        return sum((f.amount for f in self.flows), ZERO)


def _amount(value: Decimal | int) -> Decimal:
    if isinstance(value, float) or not isinstance(value, (Decimal, int)):
        raise InvalidInput(f"amount: give a Decimal or an int, not {type(value).__name__}")
    return Decimal(value)


def _cents(amount: Decimal) -> int:
    return whole_cents(amount * CENTS)


# --- rates ------------------------------------------------------------------------------------


def _check_rate(rate: Decimal, name: str) -> Decimal:
    if isinstance(rate, float) or not isinstance(rate, (Decimal, int)):
        raise InvalidInput(f"{name}: give a Decimal, not {type(rate).__name__}")
    rate = Decimal(rate)
    if not rate.is_finite():
        raise InvalidInput(f"{name}: {rate!r} is not a number")
    if rate <= -ONE:
        raise InvalidInput(
            f"{name}: a rate of {rate * 100:f} % is not possible (it must be above −100 %)"
        )
    return rate


def rate_per_period(yearly_rate: Decimal, length: PeriodLength) -> Decimal:
    """The compound rate per period equivalent to ``yearly_rate``: (1 + r)^(1/n) − 1.

    ``n`` is the number of periods in a year. A rate of −100 % or below is refused
    (InvalidInput naming ``yearly_rate``); 0 % stays 0 and negative rates are allowed.
    """
    rate = _check_rate(yearly_rate, "yearly_rate")
    n = length.per_year
    if n == 1:
        return rate
    return (ONE + rate) ** (ONE / Decimal(n)) - ONE


# --- NPV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Npv:
    """A net present value with the convention and the rate per period it was computed by."""

    value: Decimal
    convention: Convention
    rate_per_period: Decimal
    currency: str

    @property
    def cents(self) -> int:
        """The value in whole cents (half to even)."""
        return _cents(self.value)


def _factor(rate: Decimal, periods: int) -> Decimal:
    """1 / (1 + rate)^periods."""
    return ONE / (ONE + rate) ** periods


def npv(
    flows: Flows, rate_per_period: Decimal, convention: Convention = Convention.TIME_ZERO
) -> Npv:
    """The NPV of ``flows`` at ``rate_per_period`` by ``convention`` (named in the result).

    TIME_ZERO: Σ a_p / (1 + r)^p; SPREADSHEET: Σ a_p / (1 + r)^(p + 1).
    """
    rate = _check_rate(rate_per_period, "rate_per_period")
    shift = 1 if convention is Convention.SPREADSHEET else 0
    value = sum((f.amount * _factor(rate, f.period + shift) for f in flows), ZERO)
    return Npv(value, Convention(convention), rate, flows.currency)


# --- IRR --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IrrResult:
    """The internal rate of return per period of a series of flows.

    ``value`` is the one rate (above −100 %) at which the NPV is zero; None when there is
    none (``reason`` says why) or when there are several (``several=True``, every one in
    ``roots``, lowest first; ``reason`` says so). ``sign_changes`` is the number of changes of
    sign of the flows (Descartes: at most that many roots).
    """

    value: Decimal | None
    roots: tuple[Decimal, ...]
    several: bool
    sign_changes: int
    reason: str | None
    length: PeriodLength

    @property
    def yearly(self) -> Decimal | None:
        """The single rate as a compound yearly rate: (1 + r)^n − 1 (None as ``value``)."""
        if self.value is None:
            return None
        return (ONE + self.value) ** self.length.per_year - ONE


def _sign_changes(amounts: Sequence[Decimal]) -> int:
    signs = [a > 0 for a in amounts if a != 0]
    return sum(1 for x, y in pairwise(signs) if x != y)


def irr(flows: Flows) -> IrrResult:
    """The rates per period at which the NPV of ``flows`` is zero.

    The NPV Σ a_p x^p is a polynomial in the discount factor x = 1 / (1 + r); its real roots
    x > 0 (numpy.roots, each refined by Newton's method) are the rates r = 1/x − 1 > −100 %.
    """
    amounts = flows.dense()
    changes = _sign_changes(amounts)
    length = flows.length
    if all(a == 0 for a in amounts):
        return IrrResult(
            None, (), False, 0, "every flow is zero: any rate gives an NPV of 0", length
        )
    if changes == 0:
        side = "received" if any(a > 0 for a in amounts) else "paid out"
        return IrrResult(
            None,
            (),
            False,
            0,
            f"every flow is {side} (one sign): no rate makes the NPV zero",
            length,
        )
    roots = _irr_roots(amounts, changes)
    if not roots:
        return IrrResult(
            None,
            (),
            False,
            changes,
            "no real rate above −100 % makes the NPV zero",
            length,
        )
    if len(roots) > 1:
        listed = ", ".join(f"{r * 100:.4f} %" for r in roots)
        return IrrResult(
            None,
            tuple(roots),
            True,
            changes,
            f"the flows change sign {changes} times and several rates make the NPV zero "
            f"({listed} per period): the IRR is ambiguous, compare the NPV instead",
            length,
        )
    return IrrResult(roots[0], tuple(roots), False, changes, None, length)


def _irr_roots(amounts: Sequence[Decimal], changes: int) -> list[Decimal]:
    """Real rates > −1 with Σ a_p (1 + r)^-p = 0, lowest first, refined in Decimal.

    One change of sign (the usual investment): exactly one root x > 0 (Descartes), found by a
    bracketed search; more changes: every root of the polynomial (numpy.roots).
    """
    if changes == 1:
        single = _single_root(amounts)
        if single is not None:
            return [single]
    coefficients = np.array([float(a) for a in reversed(amounts)], dtype=np.float64)
    scale = float(np.max(np.abs(coefficients)))
    found = np.roots(coefficients / scale)
    rates: list[Decimal] = []
    for z in found:
        if abs(z.imag) > 1e-7 * max(1.0, abs(z.real)) or z.real <= 0:
            continue
        r = _polish(amounts, Decimal(repr(1.0 / float(z.real) - 1.0)))
        if r is None:
            continue
        if all(abs(r - other) > Decimal("1e-9") * max(ONE, abs(other)) for other in rates):
            rates.append(r)
    return sorted(rates)


def _single_root(amounts: Sequence[Decimal]) -> Decimal | None:
    """The one root x > 0 of Σ a_p x^p when the coefficients change sign once, as a rate.

    h(x) = Σ a_p x^p / max(1, x)^degree has the roots of the polynomial, is continuous and
    never overflows (for x > 1 it is evaluated as Σ a_p y^(degree − p), y = 1/x).
    """
    coefficients = [float(a) for a in amounts]
    highest_first = coefficients[::-1]

    def h(x: float) -> float:  # Horner's rule
        total = 0.0
        if x <= 1.0:
            for a in highest_first:
                total = total * x + a
            return total
        y = 1.0 / x
        for a in coefficients:
            total = total * y + a
        return total

    low_sign = next(a > 0 for a in coefficients if a != 0)
    at_one = h(1.0)
    if at_one == 0:
        return _polish(amounts, ZERO)
    lo, hi = 1.0, 1.0
    if (at_one > 0) == low_sign:  # still on the side of x → 0: the root lies above 1
        for _ in range(400):
            hi *= 2.0
            value = h(hi)
            if value == 0 or (value > 0) != low_sign:
                break
        else:
            return None
    else:
        for _ in range(400):
            lo /= 2.0
            value = h(lo)
            if value == 0 or (value > 0) == low_sign:
                break
        else:
            return None
    f_lo, f_hi = h(lo), h(hi)
    x = lo
    previous = hi
    side = 0
    for _ in range(300):  # Illinois (regula falsi with halving); Newton in Decimal finishes
        if f_lo == 0:
            x = lo
            break
        if f_hi == 0:
            x = hi
            break
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        f_x = h(x)
        if f_x == 0 or hi - lo <= 4e-16 * hi or abs(x - previous) <= 1e-13 * x:
            break
        previous = x
        if (f_x > 0) == (f_hi > 0):
            hi, f_hi = x, f_x
            if side == -1:
                f_lo /= 2.0
            side = -1
        else:
            lo, f_lo = x, f_x
            if side == 1:
                f_hi /= 2.0
            side = 1
    return _polish(amounts, Decimal(repr(1.0 / x - 1.0)))


def _npv_and_slope(amounts: Sequence[Decimal], rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Σ a_p v^p, its derivative in r (−v Σ p a_p v^p) and the size of its terms Σ |a_p| v^p,
    with v = 1 / (1 + r)."""
    v = ONE / (ONE + rate)
    value = ZERO
    weighted = ZERO
    size = ZERO
    power = ONE
    for p, a in enumerate(amounts):
        if a:
            term = a * power
            value += term
            weighted += p * term
            size += abs(term)
        power *= v
    return value, -v * weighted, size


def _polish(amounts: Sequence[Decimal], rate: Decimal) -> Decimal | None:
    """Newton's method in Decimal (50 digits) from a float root; None when it does not hold as
    a root: the NPV must be below 1e-15 of the size of its terms (near r = −100 % the terms
    grow as (1 + r)^−p, so an absolute bound would refuse true roots)."""
    with localcontext() as context:
        context.prec = 50
        r = +rate
        for _ in range(80):
            if r <= -ONE:
                return None
            value, slope, _size = _npv_and_slope(amounts, r)
            if slope == 0:
                break
            step = value / slope
            if r - step <= -ONE:  # never step past −100 %: halve the way instead
                step = (r + ONE) / 2
            r -= step
            if abs(step) <= Decimal("1e-40") * max(ONE, abs(r)):
                break
        if r <= -ONE:
            return None
        value, _slope, size = _npv_and_slope(amounts, r)
        if abs(value) > size * Decimal("1e-15"):
            return None
    return +r


# --- payback ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaybackResult:
    """When the cumulative (discounted) flow is back at zero for good.

    ``periods`` (and ``years`` = periods / periods per year), interpolated linearly within the
    period where the cumulative flow crosses zero; None with a ``reason`` when it never pays
    back within the flows. ``rate_per_period`` is None for simple payback.
    """

    periods: Decimal | None
    years: Decimal | None
    rate_per_period: Decimal | None
    reason: str | None
    length: PeriodLength

    @property
    def discounted(self) -> bool:
        """True for discounted payback."""
        return self.rate_per_period is not None


def payback(flows: Flows, rate: Decimal | None = None) -> PaybackResult:
    """Simple payback (``rate`` None) or discounted payback at ``rate`` per period.

    The flows are placed by the time-zero convention (period p at time p). The payback is the
    time after which the cumulative flow never falls below zero again: in the period p where
    it last crosses from below zero, p − 1 + (−C[p−1]) / (C[p] − C[p−1]).
    """
    length = flows.length
    per_year = Decimal(length.per_year)
    if rate is not None:
        rate = _check_rate(rate, "rate")
    amounts = _running(flows, rate)
    if not amounts:
        return PaybackResult(None, None, rate, "there are no flows", length)
    if amounts[-1] < 0:
        return PaybackResult(
            None,
            None,
            rate,
            f"the cumulative flow is still below zero after period {len(amounts) - 1}: "
            "it never pays back within these flows",
            length,
        )
    last_negative = max((p for p, c in enumerate(amounts) if c < 0), default=None)
    if last_negative is None:
        return PaybackResult(
            ZERO, ZERO, rate, "the cumulative flow is never below zero: nothing to pay back", length
        )
    before, after = amounts[last_negative], amounts[last_negative + 1]
    periods = Decimal(last_negative) + (-before) / (after - before)
    return PaybackResult(periods, periods / per_year, rate, None, length)


# --- TCO, cumulative, difference --------------------------------------------------------------


@dataclass(frozen=True)
class Tco:
    """Total cost of ownership: the cost (the negative of the flows; paid out = positive).

    ``nominal`` adds the flows as they are; ``discounted`` is the cost at ``rate_per_period``
    by the time-zero convention (−NPV).
    """

    nominal: Decimal
    discounted: Decimal
    rate_per_period: Decimal
    convention: Convention
    currency: str

    @property
    def nominal_cents(self) -> int:
        """``nominal`` in whole cents."""
        return _cents(self.nominal)

    @property
    def discounted_cents(self) -> int:
        """``discounted`` in whole cents."""
        return _cents(self.discounted)


def tco(flows: Flows, rate: Decimal) -> Tco:
    """The TCO of ``flows`` (costs as negative amounts) nominal and discounted at ``rate``."""
    present = npv(flows, rate, Convention.TIME_ZERO)
    return Tco(
        -flows.total(), -present.value, present.rate_per_period, present.convention, flows.currency
    )


def cumulative(flows: Flows, rate: Decimal | None = None) -> Flows:
    """The running total of every period 0 … last (discounted by time zero if ``rate``)."""
    if rate is not None:
        rate = _check_rate(rate, "rate")
    running = _running(flows, rate)
    return Flows(
        tuple(CashFlow(p, total) for p, total in enumerate(running)), flows.currency, flows.length
    )


def _running(flows: Flows, rate: Decimal | None) -> list[Decimal]:
    """The running totals of periods 0 … last (each flow discounted p periods if ``rate``)."""
    total = ZERO
    out: list[Decimal] = []
    for p, amount in enumerate(flows.dense()):
        total += amount if rate is None else amount * _factor(rate, p)
        out.append(total)
    return out


def converted(flows: Flows, currency: str, rates: Rates, on: date) -> Flows:
    """``flows`` in ``currency`` at the rates of ``rates`` in force on ``on`` (each amount
    rounded half to even to a cent, kit.money's convention); InvalidInput without a rate."""
    if flows.currency == currency:
        return flows
    out: list[CashFlow] = []
    for flow in flows:
        cents = rates.convert_to(_cents(flow.amount), flows.currency, currency, on)
        if cents is None:
            raise InvalidInput(
                f"currency: no exchange rate from {flows.currency} to {currency}; "
                "add one to convert these flows"
            )
        out.append(CashFlow(flow.period, Decimal(cents) / CENTS))
    return Flows(tuple(out), currency, flows.length)


def _same(a: Flows, b: Flows) -> None:
    if a.currency != b.currency:
        raise InvalidInput(
            f"currency: flows in {a.currency} and {b.currency} cannot be combined; "
            "convert them with an exchange-rate table first"
        )
    if a.length is not b.length:
        raise InvalidInput(
            f"length: flows per {a.length.value} and per {b.length.value} cannot be combined"
        )


def difference(a: Flows, b: Flows, *, rates: Rates | None = None, on: date | None = None) -> Flows:
    """``a − b`` period by period (the alternative minus the status quo), for the IRR of the
    difference. Flows of two currencies are refused unless ``rates`` and ``on`` are given, by
    which ``b`` is converted into ``a``'s currency."""
    if a.currency != b.currency and rates is not None:
        if on is None:
            raise InvalidInput("on: give the day of the exchange rates to convert the flows")
        b = converted(b, a.currency, rates, on)
    _same(a, b)
    pairs = [(f.period, f.amount) for f in a] + [(f.period, -f.amount) for f in b]
    return Flows.at(pairs, a.currency, a.length)
