"""The sensitivity of a value case's NPV to each of its assumptions: tornado and break-even.

A ``Model`` is a pure function from assumptions to cash flows, vectorised: it is called with a
mapping of assumption name → 1-D float array of ``k`` values (one per scenario, every array the
same length) and returns a 2-D float array of shape ``(k, periods)``: row i holds the flows of
periods 0, 1, … of scenario i, built from the i-th value of every assumption. Written with
numpy arithmetic on the arrays (``hours * cost_per_hour * share``), one model serves one
scenario (k = 1) or the whole tornado grid (k = assumptions × steps) in one call. A model that
can only take single numbers is wrapped with ``scalar_model``.

``tornado`` varies each assumption by ±``pct`` % of its base value in ``steps`` even steps
(the other assumptions held at base), builds every scenario's flows in one model call and
discounts them all in one matrix product (flows @ discount factors) by the named convention.
Bars are ranked by swing (highest NPV − lowest NPV). ``break_even`` finds the value of one
assumption at which the NPV is zero: exactly when the NPV is linear in it, by a bracketed
root (bisection refined by regula falsi) otherwise, and "none in range" when it does not cross.

Sensitivity is computed in float64 (an analysis of ±X %); the figures of the case themselves
come from ``finance`` in Decimal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from servitize.core.errors import InvalidInput
from servitize.value.finance import Convention, PeriodLength

Array = NDArray[np.float64]


class Model(Protocol):
    """Assumptions (name → array of k values) → flows, shape (k, periods)."""

    def __call__(self, values: Mapping[str, Array], /) -> Array: ...


def scalar_model(function: Callable[[Mapping[str, float]], list[float]]) -> Model:
    """A ``Model`` from a function of single numbers (flows of periods 0, 1, …), called once
    per scenario: correct but not vectorised."""

    def model(values: Mapping[str, Array]) -> Array:
        k = len(next(iter(values.values()))) if values else 1
        rows = [function({n: float(v[i]) for n, v in values.items()}) for i in range(k)]
        return np.asarray(rows, dtype=np.float64).reshape(k, -1)

    return model


@dataclass(frozen=True)
class Bar:
    """One assumption of the tornado: the NPV at every step, low and high ends, the swing."""

    name: str
    base_value: float
    values: tuple[float, ...]
    """The assumption's value at each step (base × (1 + s), s from −pct to +pct)."""
    npvs: tuple[float, ...]
    """The NPV at each step."""
    low_npv: float
    """The NPV at −pct."""
    high_npv: float
    """The NPV at +pct."""
    swing: float
    """max(npvs) − min(npvs)."""


@dataclass(frozen=True)
class Tornado:
    """The NPV's sensitivity to each assumption, bars ranked by swing (largest first)."""

    base_npv: float
    pct: float
    steps: int
    bars: tuple[Bar, ...]
    convention: Convention
    rate_per_period: float | None
    """The rate used for every row, or None when it is the assumption ``rate_assumption``."""
    rate_assumption: str | None

    @property
    def most_sensitive(self) -> str | None:
        """The assumption with the largest swing (None without assumptions)."""
        return self.bars[0].name if self.bars else None


@dataclass(frozen=True)
class BreakEven:
    """The value of ``name`` at which the NPV is zero, or None with the reason."""

    name: str
    value: float | None
    base_value: float
    low: float
    high: float
    """The range searched."""
    method: str
    """"linear" (solved exactly), "bracketed" (root between two values) or "none"."""
    reason: str | None


def _base(assumptions: Mapping[str, float | Decimal]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in assumptions.items():
        number = float(value)
        if not np.isfinite(number):
            raise InvalidInput(f"{name}: {value!r} is not a number")
        out[name] = number
    return out


def _discount(
    flows: Array,
    rate: float | None,
    rates: Array | None,
    convention: Convention,
) -> Array:
    """NPV of every row of ``flows``: one matrix product with a single rate; row-wise factors
    when every row has its own rate."""
    periods = np.arange(flows.shape[1], dtype=np.float64)
    if convention is Convention.SPREADSHEET:
        periods = periods + 1.0
    if rates is None:
        assert rate is not None
        result: Array = flows @ np.power(1.0 + rate, -periods)
        return result
    factors = np.power((1.0 + rates)[:, None], -periods[None, :])
    summed: Array = np.einsum("ij,ij->i", flows, factors)
    return summed


def _rates(
    values: Mapping[str, Array],
    rate: float | Decimal | None,
    rate_assumption: str | None,
    length: PeriodLength,
) -> tuple[float | None, Array | None]:
    if rate_assumption is None:
        if rate is None:
            raise InvalidInput("rate: give the discount rate per period or rate_assumption")
        single = float(rate)
        if not single > -1.0:
            raise InvalidInput(f"rate: {single:.4%} is not possible (it must be above −100 %)")
        return single, None
    if rate_assumption not in values:
        raise InvalidInput(f"rate_assumption: {rate_assumption!r} is not an assumption")
    yearly = values[rate_assumption]
    if np.any(yearly <= -1.0):
        raise InvalidInput(
            f"{rate_assumption}: a yearly rate of −100 % or below is not possible "
            "(lower the ± range)"
        )
    per: Array = np.power(1.0 + yearly, 1.0 / length.per_year) - 1.0
    return None, per


def _evaluate(model: Model, values: Mapping[str, Array], k: int) -> Array:
    flows = np.asarray(model(values), dtype=np.float64)
    if flows.ndim != 2 or flows.shape[0] != k:
        raise ValueError(f"the model returned an array of shape {flows.shape}, not ({k}, periods)")
    return flows


def npvs(
    model: Model,
    values: Mapping[str, Array],
    *,
    rate: float | Decimal | None = None,
    rate_assumption: str | None = None,
    length: PeriodLength = PeriodLength.YEAR,
    convention: Convention = Convention.TIME_ZERO,
) -> Array:
    """The NPV of every scenario of ``values`` (arrays of k values): shape (k,)."""
    k = len(next(iter(values.values()))) if values else 1
    single, per_row = _rates(values, rate, rate_assumption, length)
    return _discount(_evaluate(model, values, k), single, per_row, convention)


def tornado(
    model: Model,
    assumptions: Mapping[str, float | Decimal],
    pct: float = 20.0,
    steps: int = 21,
    *,
    rate: float | Decimal | None = None,
    rate_assumption: str | None = None,
    length: PeriodLength = PeriodLength.YEAR,
    convention: Convention = Convention.TIME_ZERO,
) -> Tornado:
    """The NPV over ±``pct`` % of each assumption in ``steps`` steps, ranked by swing.

    The steps are relative: base × (1 + s), s from −pct % to +pct %, so an assumption whose
    base value is 0 does not move (its swing is 0). ``rate`` is the discount rate per period
    (``finance.rate_per_period``); or name the
    assumption that holds the customer's yearly rate in ``rate_assumption`` (with the period
    ``length``) so that the rate itself is varied like any other assumption.
    """
    if not 0 < pct < 1000 or not np.isfinite(pct):
        raise InvalidInput(f"pct: {pct!r} must be above 0 and below 1000 (per cent)")
    if not 2 <= steps <= 1001:
        raise InvalidInput(f"steps: {steps!r} must be from 2 to 1001")
    base = _base(assumptions)
    names = list(base)
    n = len(names)
    shifts = np.linspace(-pct / 100.0, pct / 100.0, steps)
    # the grid: row (i, j) holds every assumption at base, assumption i at base × (1 + s_j);
    # one last row holds the base case
    k = n * steps + 1
    values: dict[str, Array] = {}
    for i, name in enumerate(names):
        column = np.full(k, base[name], dtype=np.float64)
        column[i * steps : (i + 1) * steps] = base[name] * (1.0 + shifts)
        values[name] = column
    result = npvs(
        model,
        values,
        rate=rate,
        rate_assumption=rate_assumption,
        length=length,
        convention=convention,
    )
    grid = result[:-1].reshape(n, steps)
    bars = []
    for i, name in enumerate(names):
        row = grid[i]
        bars.append(
            Bar(
                name=name,
                base_value=base[name],
                values=tuple(float(v) for v in base[name] * (1.0 + shifts)),
                npvs=tuple(float(v) for v in row),
                low_npv=float(row[0]),
                high_npv=float(row[-1]),
                swing=float(row.max() - row.min()),
            )
        )
    # largest swing first; equal swings (to 9 digits) keep the order the assumptions were given
    bars.sort(key=lambda b: (-float(f"{b.swing:.9g}"), names.index(b.name)))
    return Tornado(
        base_npv=float(result[-1]),
        pct=float(pct),
        steps=steps,
        bars=tuple(bars),
        convention=Convention(convention),
        rate_per_period=None if rate_assumption is not None else float(rate or 0),
        rate_assumption=rate_assumption,
    )


def break_even(
    model: Model,
    assumptions: Mapping[str, float | Decimal],
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    rate: float | Decimal | None = None,
    rate_assumption: str | None = None,
    length: PeriodLength = PeriodLength.YEAR,
    convention: Convention = Convention.TIME_ZERO,
) -> BreakEven:
    """The value of assumption ``name`` at which the NPV is zero, the others at base.

    Searched between ``low`` and ``high`` (default: 0 to 10 × the base value, or the mirror
    for a negative base; −1 to 1 for a base of 0; a rate named by ``rate_assumption`` is never
    searched below −99 %). When the NPV is linear in the assumption
    (checked at four points) the root is solved exactly; otherwise it is bracketed on a grid
    of 65 values and refined. None with "none in range" when the NPV does not cross zero there.
    """
    base = _base(assumptions)
    if name not in base:
        raise InvalidInput(f"assumption: {name!r} is not one of the assumptions")
    x0 = base[name]
    lo, hi = _range(x0, low, high)
    if name == rate_assumption:  # a yearly rate stays above −100 %
        if low is not None and low <= -1.0:
            raise InvalidInput(f"low: a yearly rate of {low:.4%} is not possible (above −100 %)")
        lo = max(lo, -0.99)
        if lo >= hi:
            raise InvalidInput(f"high: {hi!r} leaves no yearly rate above −99 % to search")

    def at(xs: Array) -> Array:
        values = {n: np.full(len(xs), v, dtype=np.float64) for n, v in base.items()}
        values[name] = xs
        return npvs(
            model,
            values,
            rate=rate,
            rate_assumption=rate_assumption,
            length=length,
            convention=convention,
        )

    probe = np.array([lo, lo + (hi - lo) / 3.0, lo + 2.0 * (hi - lo) / 3.0, hi])
    ys = at(probe)
    scale = max(float(np.max(np.abs(ys))), 1e-9)
    slope = (ys[3] - ys[0]) / (probe[3] - probe[0])
    line = ys[0] + slope * (probe - probe[0])
    if float(np.max(np.abs(ys - line))) <= 1e-9 * scale:
        if slope == 0:
            return BreakEven(name, None, x0, lo, hi, "none", f"the NPV does not depend on {name}")
        root = float(probe[0] - ys[0] / slope)
        if lo <= root <= hi:
            return BreakEven(name, root, x0, lo, hi, "linear", None)
        return BreakEven(
            name,
            None,
            x0,
            lo,
            hi,
            "none",
            f"none in range: the NPV is zero at {name} = {root:.6g}, outside {lo:.6g} … {hi:.6g}",
        )
    xs = np.linspace(lo, hi, 65)
    ys = at(xs)
    for i in range(len(xs)):
        if ys[i] == 0:
            return BreakEven(name, float(xs[i]), x0, lo, hi, "bracketed", None)
        if i + 1 < len(xs) and np.sign(ys[i]) != np.sign(ys[i + 1]) and ys[i + 1] != 0:
            root = _bracketed(lambda x: float(at(np.array([x]))[0]), float(xs[i]), float(xs[i + 1]))
            return BreakEven(name, root, x0, lo, hi, "bracketed", None)
    return BreakEven(
        name,
        None,
        x0,
        lo,
        hi,
        "none",
        f"none in range: the NPV does not cross zero for {name} from {lo:.6g} to {hi:.6g}",
    )


def _range(x0: float, low: float | None, high: float | None) -> tuple[float, float]:
    if x0 > 0:
        lo, hi = 0.0, 10.0 * x0
    elif x0 < 0:
        lo, hi = 10.0 * x0, 0.0
    else:
        lo, hi = -1.0, 1.0
    lo = lo if low is None else float(low)
    hi = hi if high is None else float(high)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise InvalidInput(f"low: the range {lo!r} … {hi!r} must go from a lower to a higher value")
    return lo, hi


def _bracketed(f: Callable[[float], float], a: float, b: float) -> float:
    """A root of f between a and b (f(a), f(b) of opposite signs): regula falsi (Illinois)."""
    fa, fb = f(a), f(b)
    side = 0
    c = a
    previous = b
    for _ in range(200):
        c = (a * fb - b * fa) / (fb - fa)
        fc = f(c)
        if fc == 0 or abs(c - previous) <= 1e-14 * max(1.0, abs(c)):
            return c
        previous = c
        if np.sign(fc) == np.sign(fb):
            b, fb = c, fc
            if side == -1:
                fa /= 2.0
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb /= 2.0
            side = 1
    return c
