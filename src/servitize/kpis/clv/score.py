"""Fit the repeat-purchase models and value every customer over a stated horizon.

CLV of a non-contractual customer = margin × expected value per purchase (Gamma-Gamma) ×
expected purchases in each step of the horizon (BG/NBD, conditional on the customer's
history), each step discounted at the company rate: the sum of
margin · E(M) · (E[Y(t_i)] - E[Y(t_i-1)]) / (1+d)^i over i = 1..steps, t_i = horizon·i/steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from servitize.core.errors import InvalidInput
from servitize.kpis.clv import bgnbd, gamma_gamma

Floats = NDArray[np.float64]

METHOD = "BG/NBD purchases × Gamma-Gamma value"


@dataclass(frozen=True)
class Valuation:
    """How the values were reached: both fits, the period unit, the horizon and discounting."""

    purchases: bgnbd.BgNbdFit
    spend: gamma_gamma.GammaGammaFit
    horizon: float
    steps: int
    discount_per_step: float
    margin: float

    def method(self) -> str:
        """The method as every figure names it."""
        return (
            f"{METHOD}, {self.horizon:g} {self.purchases.period}s in {self.steps} steps "
            f"discounted at {self.discount_per_step:.4%} per step, margin {self.margin:.0%}"
        )


@dataclass(frozen=True)
class Scores:
    """Per customer, in the order given: expected purchases over the horizon, P(alive),
    expected value per purchase and the discounted lifetime value (all in the value's unit)."""

    expected_purchases: Floats
    probability_alive: Floats
    expected_value: Floats
    clv: Floats


def score(
    purchases: bgnbd.BgNbdParams,
    spend: gamma_gamma.GammaGammaParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    mean_value: ArrayLike,
    *,
    horizon: float,
    steps: int,
    discount_per_step: float,
    margin: float = 1.0,
) -> Scores:
    """Score customers with fitted parameters (see the module for the sum)."""
    if horizon <= 0 or steps < 1:
        raise InvalidInput("horizon must be above 0 and steps at least 1")
    if discount_per_step < 0:
        raise InvalidInput("discount must not be negative")
    xs = np.asarray(x, dtype=np.float64)
    Ts = np.asarray(T, dtype=np.float64)
    alive = bgnbd.probability_alive(purchases, xs, t_x, Ts)
    a, b = purchases.a, purchases.b
    # E[Y(t)] = head · alive · (1 - tail(t)) as in conditional_expected_purchases.
    head = (a + b + xs - 1.0) / (a - 1.0) * alive
    discounted = np.zeros_like(xs)
    previous = np.ones_like(xs)
    for i in range(1, steps + 1):
        tail = bgnbd.tail_factor(purchases, horizon * i / steps, xs, Ts)
        discounted += (previous - tail) / (1.0 + discount_per_step) ** i
        previous = tail
    value = gamma_gamma.conditional_expected_value(spend, xs, mean_value)
    return Scores(
        expected_purchases=np.asarray(head * (1.0 - previous)),
        probability_alive=alive,
        expected_value=value,
        clv=np.asarray(margin * value * head * discounted),
    )


def fit_and_score(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    mean_value: ArrayLike,
    *,
    period: str,
    horizon: float,
    steps: int,
    discount_per_step: float,
    margin: float = 1.0,
) -> tuple[Valuation, Scores]:
    """Fit BG/NBD on everyone and Gamma-Gamma on the repeat buyers, then score everyone.

    ``period`` names the unit of t_x, T and ``horizon`` (e.g. "week"); ``discount_per_step``
    is the company rate for one step of horizon/steps periods, e.g. (1 + 8 %)^(1/12) - 1 for
    monthly steps at 8 % a year."""
    xs = np.asarray(x, dtype=np.float64)
    values = np.asarray(mean_value, dtype=np.float64)
    purchases = bgnbd.fit(xs, t_x, T, period=period)
    repeat = (xs > 0) & (values > 0)
    spend = gamma_gamma.fit(xs[repeat], values[repeat])
    scores = score(
        purchases.params,
        spend.params,
        xs,
        t_x,
        T,
        values,
        horizon=horizon,
        steps=steps,
        discount_per_step=discount_per_step,
        margin=margin,
    )
    return Valuation(purchases, spend, horizon, steps, discount_per_step, margin), scores
