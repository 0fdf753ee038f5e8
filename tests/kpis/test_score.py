"""Valuing customers with fitted BG/NBD and Gamma-Gamma parameters: the discounted sum by hand
from the conditional expectations it is made of."""

from __future__ import annotations

import numpy as np
import pytest

from servitize.core.errors import InvalidInput
from servitize.kpis.clv import bgnbd, gamma_gamma, score

PURCHASES = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
SPEND = gamma_gamma.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
X, T_X, T, MEAN = [0, 2, 7], [0.0, 30.43, 35.0], [38.86, 38.86, 38.0], [0.0, 22.35, 41.0]


def test_two_discounted_steps_by_hand():
    # Horizon 52 weeks in two steps of 26 at d = 5 % a step, margin 30 %:
    # CLV = 0.3 · E(M) · (Y(26)/1.05 + (Y(52) - Y(26))/1.05²).
    got = score.score(
        PURCHASES, SPEND, X, T_X, T, MEAN, horizon=52.0, steps=2, discount_per_step=0.05, margin=0.3
    )
    y26 = bgnbd.conditional_expected_purchases(PURCHASES, 26.0, X, T_X, T)
    y52 = bgnbd.conditional_expected_purchases(PURCHASES, 52.0, X, T_X, T)
    value = gamma_gamma.conditional_expected_value(SPEND, X, MEAN)
    expected = 0.3 * value * (y26 / 1.05 + (y52 - y26) / 1.05**2)
    assert list(got.clv) == pytest.approx(list(expected), rel=1e-10)
    assert list(got.expected_purchases) == pytest.approx(list(y52), rel=1e-10)
    assert list(got.expected_value) == pytest.approx(list(value))
    assert list(got.probability_alive) == pytest.approx(
        list(bgnbd.probability_alive(PURCHASES, X, T_X, T))
    )


def test_fit_and_score_names_its_method():
    rng = np.random.default_rng(3)
    n = 5_000
    lam = rng.gamma(0.8, 1 / 6.0, n)
    p = rng.beta(1.2, 3.0, n)
    T = rng.uniform(30, 52, n)
    bought = rng.poisson(lam * T)
    x = np.minimum(bought, rng.geometric(p))
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(bought - x + 1, 1)), 0.0)
    mean = np.where(x > 0, rng.gamma(4.0 * np.maximum(x, 1), 10.0 / np.maximum(x, 1)), 0.0)
    valuation, scores = score.fit_and_score(
        x, t_x, T, mean, period="week", horizon=52.0, steps=12, discount_per_step=0.0064
    )
    assert valuation.purchases.customers == n
    assert valuation.spend.customers == int((x > 0).sum())
    assert valuation.method() == (
        "BG/NBD purchases × Gamma-Gamma value, 52 weeks in 12 steps discounted at 0.6400% per "
        "step, margin 100%"
    )
    assert scores.clv.shape == (n,) and np.isfinite(scores.clv).all() and (scores.clv > 0).all()


@pytest.mark.parametrize(
    ("horizon", "steps", "discount"), [(0.0, 1, 0.0), (52.0, 0, 0.0), (52.0, 1, -0.1)]
)
def test_bad_horizons_are_the_users_error(horizon, steps, discount):
    with pytest.raises(InvalidInput):
        score.score(
            PURCHASES,
            SPEND,
            X,
            T_X,
            T,
            MEAN,
            horizon=horizon,
            steps=steps,
            discount_per_step=discount,
        )
