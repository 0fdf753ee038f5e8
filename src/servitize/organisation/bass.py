"""Bass diffusion of a digital service among a customer group's accounts: pure, no I/O.

The share of the market ``m`` that has adopted by month ``t`` is the closed form

    F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}),

with ``p`` the coefficient of innovation (adoption on one's own) and ``q`` of imitation
(adoption because others did): dN/dt = (p + q N/m)(m − N). ``fit`` finds p, q and m from the
cumulative adopters month by month by least squares (scipy's bounded trust-region solver on the
closed form); ``integrate`` steps the differential equation (classic Runge-Kutta) and is checked
against the closed form in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

# Defaults where the history is too short: the mean coefficients of Sultan, Farley and Lehmann's
# meta-analysis of 213 Bass fits (1990): p 0.03, q 0.38 a year; here a month, divided by 12.
DEFAULT_P = 0.03 / 12
DEFAULT_Q = 0.38 / 12
MIN_MONTHS = 6
MIN_ADOPTERS = 5


def share(t: float, p: float, q: float) -> float:
    """F(t): the share of the market that has adopted by time ``t`` (closed form)."""
    if t <= 0:
        return 0.0
    e = math.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def integrate(p: float, q: float, m: float, months: int, steps: int = 20) -> list[float]:
    """Cumulative adopters N at the end of months 1 … ``months``, stepping dN/dt = (p + q N/m)
    (m − N) from N(0) = 0 with ``steps`` Runge-Kutta steps a month."""
    n, h = 0.0, 1.0 / steps
    out = []

    def rate(x: float) -> float:
        return (p + q * x / m) * (m - x)

    for _month in range(months):
        for _ in range(steps):
            k1 = rate(n)
            k2 = rate(n + h * k1 / 2)
            k3 = rate(n + h * k2 / 2)
            k4 = rate(n + h * k3)
            n += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        out.append(n)
    return out


@dataclass(frozen=True)
class Diffusion:
    """A Bass fit (or the defaults, and why): p and q a month, the market m, the fit error (root
    mean square of adopters), the months and adopters it rests on, actual and fitted curves."""

    p: float
    q: float
    m: float
    fitted: bool
    reason: str
    months: int
    adopters: int
    rmse: float | None
    actual: tuple[float, ...]
    curve: tuple[float, ...]

    def new_adopters(self, month: int) -> float:
        """Adopters in month ``month`` after the last observed one (1 = the next month)."""
        t = self.months + month
        return self.m * (share(t, self.p, self.q) - share(t - 1, self.p, self.q))


def fit(
    cumulative: Sequence[float], market: float | None = None
) -> tuple[float, float, float, float]:
    """(p, q, m, rmse) of the closed form fitted to the cumulative adopters at the end of
    months 1 … T by least squares; ``m`` is at least the adopters seen (and at most ``market``,
    the accounts that could adopt, where given)."""
    y = np.asarray(cumulative, dtype=float)
    t = np.arange(1, len(y) + 1, dtype=float)
    seen = float(y[-1])
    top = max(market if market is not None else seen * 20, seen * 1.0001 + 1e-9)

    def residuals(x: np.ndarray) -> np.ndarray:
        p, q, m = x
        e = np.exp(-(p + q) * t)
        return np.asarray(m * (1 - e) / (1 + (q / p) * e) - y)

    best = None
    for p0, q0 in ((0.01, 0.1), (0.003, 0.3), (0.05, 0.05)):
        start = np.array([p0, q0, min(max(seen * 1.5, seen + 1), top)])
        res = least_squares(
            residuals,
            start,
            bounds=([1e-6, 0.0, seen], [1.0, 3.0, top]),
            x_scale="jac",
            max_nfev=2000,
        )
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    p, q, m = (float(v) for v in best.x)
    rmse = float(np.sqrt(np.mean(best.fun**2)))
    return p, q, m, rmse


def diffusion(cumulative: Sequence[float], market: int, what: str = "the group") -> Diffusion:
    """The Bass diffusion of a digital service from its cumulative adopters month by month
    (from the first month anyone adopted to now) among ``market`` accounts; with fewer than
    six months or five adopters, the default coefficients and the reason."""
    months, adopters = len(cumulative), int(cumulative[-1]) if cumulative else 0
    actual = tuple(float(x) for x in cumulative)
    if months < MIN_MONTHS or adopters < MIN_ADOPTERS:
        why = (
            f"too little history in {what}: {months} months and {adopters} adopters (at least "
            f"{MIN_MONTHS} months and {MIN_ADOPTERS} adopters); default p {DEFAULT_P:.4f} and "
            f"q {DEFAULT_Q:.4f} a month, m = the {market} accounts"
        )
        m = float(max(market, adopters))
        curve = tuple(m * share(t, DEFAULT_P, DEFAULT_Q) for t in range(1, months + 1))
        return Diffusion(DEFAULT_P, DEFAULT_Q, m, False, why, months, adopters, None, actual, curve)
    p, q, m, rmse = fit(cumulative, float(max(market, adopters)))
    curve = tuple(m * share(t, p, q) for t in range(1, months + 1))
    why = f"fitted to {months} months of orders with {adopters} adopters"
    return Diffusion(p, q, m, True, why, months, adopters, rmse, actual, curve)
