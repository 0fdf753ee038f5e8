"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science
24(2)): the closed forms against numerical integration over the customers' purchase rates λ
and dropout probabilities p, and against the paper's worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import hyp2f1

from servitize.core.errors import InvalidInput
from servitize.kpis.clv import bgnbd

CDNOW = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # the paper's estimates
OTHER = bgnbd.BgNbdParams(r=1.3, alpha=5.0, a=1.8, b=3.5)


def _gamma_pdf(lam: float, r: float, alpha: float) -> float:
    return math.exp(r * math.log(alpha) + (r - 1) * math.log(lam) - alpha * lam - math.lgamma(r))


def _beta_pdf(p: float, a: float, b: float) -> float:
    log_b = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(p) + (b - 1) * math.log1p(-p) - log_b)


def _integrate(f, low: float, high: float) -> float:
    value, _ = integrate.quad(f, low, high, epsabs=0, epsrel=1e-9, limit=500)
    return value


def _ll_by_integration(params: bgnbd.BgNbdParams, x: int, t_x: float, T: float) -> float:
    """ln of E over λ ~ gamma(r, α) and p ~ beta(a, b) of the individual likelihood
    (1-p)^x λ^x e^(-λT) + [x>0] p(1-p)^(x-1) λ^x e^(-λ t_x) (FHL 2005 eq. 3). Each product
    separates into a λ integral times a p integral, each done by quadrature."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b

    def over_lam(t: float) -> float:
        return _integrate(
            lambda lam: lam**x * math.exp(-lam * t) * _gamma_pdf(lam, r, alpha), 0, math.inf
        )

    still = _integrate(lambda p: (1 - p) ** x * _beta_pdf(p, a, b), 0, 1)
    total = still * over_lam(T)
    if x > 0:
        gone = _integrate(lambda p: p * (1 - p) ** (x - 1) * _beta_pdf(p, a, b), 0, 1)
        total += gone * over_lam(t_x)
    return math.log(total)


CUSTOMERS = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 35.0, 38.0), (25, 3.0, 30.0)]


@pytest.mark.parametrize("params", [CDNOW, OTHER])
def test_log_likelihood_equals_numerical_integration(params):
    x, t_x, T = (np.array(c) for c in zip(*CUSTOMERS, strict=True))
    terms = bgnbd.log_likelihood_terms(params, x, t_x, T)
    for term, customer in zip(terms, CUSTOMERS, strict=True):
        assert term == pytest.approx(_ll_by_integration(params, *customer), rel=1e-7)
    assert bgnbd.log_likelihood(params, x, t_x, T) == pytest.approx(terms.sum())
    # Weights count identical customers: twice each is twice the sum.
    assert bgnbd.log_likelihood(params, x, t_x, T, np.full(5, 2.0)) == pytest.approx(
        2 * terms.sum()
    )


def test_the_papers_customer():
    # FHL 2005 section 4: a customer with x = 2, t_x = 30.43, T = 38.86 (weeks) is expected to
    # make 1.226 purchases in the next 39 weeks.
    assert bgnbd.conditional_expected_purchases(CDNOW, 39, 2, 30.43, 38.86) == pytest.approx(
        1.226, abs=5e-4
    )
    # P(alive) = 1 / (1 + a/(b+x-1) · ((α+T)/(α+t_x))^(r+x))
    #          = 1 / (1 + 0.793/3.426 · (43.274/34.844)^2.243)
    odds = 0.793 / 3.426 * (43.274 / 34.844) ** 2.243
    assert bgnbd.probability_alive(CDNOW, 2, 30.43, 38.86) == pytest.approx(1 / (1 + odds))
    assert bgnbd.probability_alive(CDNOW, 0, 0.0, 38.86) == 1.0


def _paper_conditional(params: bgnbd.BgNbdParams, t: float, x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. 10 as printed, with the Gaussian hypergeometric of z = t/(α+T+t)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + T + t)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    return (a + b + x - 1) / (a - 1) * bracket / (1 + odds)


@pytest.mark.parametrize("params", [CDNOW, OTHER])
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (3, 20.0, 38.86), (40, 36.0, 38.0)])
@pytest.mark.parametrize("t", [1.0, 39.0, 300.0])
def test_conditional_expectation_equals_the_papers_form(params, x, t_x, T, t):
    got = bgnbd.conditional_expected_purchases(params, t, x, t_x, T)
    assert got == pytest.approx(_paper_conditional(params, t, x, t_x, T), rel=1e-9)


def test_heavy_buyers_stay_finite():
    # The printed form gives 0 · inf for x = 300 over 4000 weeks; the transformed one gives a
    # number between 0 and what a customer who never drops out would buy at their posterior
    # mean rate (r+x)/(α+T) = 300.243/43.274 = 6.938 a week, 27,753 in 4000 weeks.
    got = bgnbd.conditional_expected_purchases(CDNOW, 4000.0, 300, 38.0, 38.86)
    assert np.isfinite(got) and 0 < float(got) < 300.243 / 43.274 * 4000


@pytest.mark.parametrize("params", [CDNOW, OTHER])
@pytest.mark.parametrize("t", [10.0, 78.0])
def test_unconditional_expectation_equals_numerical_integration(params, t):
    # An individual expects (1/p)(1 - e^(-λpt)) repeat purchases in (0, t] (FHL 2005 eq. 7);
    # averaged over λ by the gamma's Laplace transform: (1/p)(1 - (α/(α+pt))^r), then over p
    # by quadrature.
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    expected = _integrate(
        lambda p: (1 - (alpha / (alpha + p * t)) ** r) / p * _beta_pdf(p, a, b), 0, 1
    )
    assert bgnbd.expected_purchases(params, t) == pytest.approx(expected, rel=1e-8)


def test_fit_recovers_a_simulated_population():
    # 40,000 customers drawn from known parameters over 52 weeks: the estimates land within
    # a few standard errors of the truth.
    truth = bgnbd.BgNbdParams(r=0.8, alpha=6.0, a=1.2, b=3.0)
    rng = np.random.default_rng(7)
    n = 40_000
    lam = rng.gamma(truth.r, 1 / truth.alpha, n)
    p = rng.beta(truth.a, truth.b, n)
    T = rng.uniform(30, 52, n)
    # Dropout happens right after the J-th repeat purchase, J geometric(p).
    purchases = rng.poisson(lam * T)
    dropout_after = rng.geometric(p)
    x = np.minimum(purchases, dropout_after)
    # Given N purchases in (0, T], their times are N ordered uniforms; the x-th is t_x.
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(purchases - x + 1, 1)), 0.0)
    fitted = bgnbd.fit(x, t_x, T, period="week")
    got = fitted.params
    assert got.r == pytest.approx(truth.r, rel=0.1)
    assert got.alpha == pytest.approx(truth.alpha, rel=0.1)
    assert got.a == pytest.approx(truth.a, rel=0.2)
    assert got.b == pytest.approx(truth.b, rel=0.2)
    assert fitted.customers == n and fitted.period == "week"


def test_bad_summaries_are_the_users_error():
    with pytest.raises(InvalidInput, match="t_x"):
        bgnbd.log_likelihood(CDNOW, [1], [5.0], [4.0])
    with pytest.raises(InvalidInput, match="t_x must be 0"):
        bgnbd.log_likelihood(CDNOW, [0], [1.0], [4.0])
    with pytest.raises(InvalidInput, match="repeat purchases"):
        bgnbd.fit([0, 0], [0.0, 0.0], [3.0, 4.0], period="week")


def test_nearly_fixed_dropout_uses_the_printed_form():
    # a, b in the thousands (p ≈ 0.23 for everyone): the transformed series fails, the printed
    # form does not, and the answer is the printed form's.
    params = bgnbd.BgNbdParams(r=0.86, alpha=8.9, a=31_489.0, b=106_669.0)
    for x, t_x, T in [(3, 7.76, 11.9), (0, 0.0, 12.05), (1, 22.6, 51.97)]:
        got = bgnbd.conditional_expected_purchases(params, 52.0, x, t_x, T)
        assert got == pytest.approx(_paper_conditional(params, 52.0, x, t_x, T), rel=1e-9)


def test_a_population_without_heterogeneity_is_refused_with_the_reason():
    # Everyone buys at one Poisson rate and nobody drops out: the likelihood keeps rising as
    # r and alpha grow together (the gamma mixture tends to one rate), so there is no fit.
    rng = np.random.default_rng(5)
    T = rng.uniform(10, 52, 3000)
    x = rng.poisson(0.05 * T).astype(float)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    with pytest.raises(InvalidInput, match="ran off toward infinity"):
        bgnbd.fit(x, t_x, T, period="week")
