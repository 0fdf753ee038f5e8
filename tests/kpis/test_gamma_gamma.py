"""Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013, "The
Gamma-Gamma model of monetary value"): the closed-form likelihood against a numerical
integration over the customers' ν, and the conditional mean by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from servitize.core.errors import InvalidInput
from servitize.kpis.clv import gamma_gamma

CDNOW = gamma_gamma.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)  # the note's estimates


def _ll_by_integration(params: gamma_gamma.GammaGammaParams, x: int, mean: float) -> float:
    """The mean of x values each gamma(p, ν) is gamma(px, xν); averaged over ν ~ gamma(q, γ)
    with scipy.stats densities and quadrature."""

    def density(nu: float) -> float:
        spend = stats.gamma.pdf(mean, params.p * x, scale=1 / (x * nu))
        return spend * stats.gamma.pdf(nu, params.q, scale=1 / params.gamma)

    value, _ = integrate.quad(density, 0, math.inf, epsabs=0, epsrel=1e-10, limit=500)
    return math.log(value)


@pytest.mark.parametrize("params", [CDNOW, gamma_gamma.GammaGammaParams(p=2.0, q=5.0, gamma=40.0)])
def test_log_likelihood_equals_numerical_integration(params):
    customers = [(1, 11.77), (2, 22.35), (5, 40.0), (12, 15.5)]
    x, mean = (np.array(c, dtype=float) for c in zip(*customers, strict=True))
    terms = gamma_gamma.log_likelihood_terms(params, x, mean)
    for term, customer in zip(terms, customers, strict=True):
        assert term == pytest.approx(_ll_by_integration(params, *customer), rel=1e-8)
    assert gamma_gamma.log_likelihood(params, x, mean) == pytest.approx(terms.sum())


def test_conditional_expected_value_by_hand():
    # FH 2013 eq. 5: p(γ + x z̄)/(px + q - 1). For x = 2, z̄ = 22.35:
    # 6.25 · (15.44 + 44.70) / (12.50 + 2.74) = 375.875 / 15.24 = 24.6637.
    # Without repeat purchases the population mean pγ/(q-1) = 96.5 / 2.74 = 35.2190.
    got = gamma_gamma.conditional_expected_value(CDNOW, [2, 0], [22.35, 0.0])
    assert list(got) == pytest.approx([375.875 / 15.24, 96.5 / 2.74])


def test_fit_recovers_a_simulated_population():
    # 20,000 repeat buyers with 1-10 purchases each, values drawn from known parameters.
    truth = gamma_gamma.GammaGammaParams(p=4.0, q=3.0, gamma=30.0)
    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.integers(1, 11, n)
    nu = rng.gamma(truth.q, 1 / truth.gamma, n)
    mean = rng.gamma(truth.p * x, 1 / (x * nu))
    fitted = gamma_gamma.fit(x, mean)
    assert fitted.params.p == pytest.approx(truth.p, rel=0.1)
    assert fitted.params.q == pytest.approx(truth.q, rel=0.1)
    assert fitted.params.gamma == pytest.approx(truth.gamma, rel=0.15)
    assert fitted.customers == n


def test_bad_values_are_the_users_error():
    with pytest.raises(InvalidInput, match="mean_value"):
        gamma_gamma.fit([1, 0], [10.0, 0.0])
    with pytest.raises(InvalidInput, match="q must be above 1"):
        gamma_gamma.conditional_expected_value(
            gamma_gamma.GammaGammaParams(1.0, 0.5, 1.0), [1], [1.0]
        )
