"""The shifted-beta-geometric retention model against Fader & Hardie (2007), "How to project
customer retention", Journal of Interactive Marketing 21(1), 76-90: its two cohorts of 1,000
customers ("regular" and "high end" subscribers), survivors at the end of years 0-12, the
first seven years used to fit (Table 1, Appendix B)."""

from __future__ import annotations

import math

import pytest

from servitize.core.errors import InvalidInput
from servitize.kpis.clv import sbg

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


def _ll_by_recursion(alpha: float, beta: float, survivors: list[int]) -> float:
    """The paper's spreadsheet recursion (eq. 7 and Appendix B): P(T=1) = α/(α+β),
    P(T=t) = P(T=t-1)·(β+t-2)/(α+β+t-1), S(t) = S(t-1) - P(T=t)."""
    churn = alpha / (alpha + beta)
    alive = 1.0 - churn
    total = (survivors[0] - survivors[1]) * math.log(churn)
    for t in range(2, len(survivors)):
        churn *= (beta + t - 2) / (alpha + beta + t - 1)
        alive -= churn
        total += (survivors[t - 1] - survivors[t]) * math.log(churn)
    return total + survivors[-1] * math.log(alive)


def test_log_likelihood_at_the_spreadsheets_start_is_the_papers():
    # Appendix B starts Solver at α = β = 1, where P(T=t) = 1/(t(t+1)) and S(7) = 1/8:
    # 131 ln(1/2) + 126 ln(1/6) + 90 ln(1/12) + 60 ln(1/20) + 42 ln(1/30) + 34 ln(1/42)
    # + 26 ln(1/56) + 491 ln(1/8) = -2115.5 (the paper's cell before optimising).
    assert sbg.log_likelihood(1.0, 1.0, HIGH_END[:8]) == pytest.approx(-2115.5455, abs=1e-4)


@pytest.mark.parametrize(
    ("alpha", "beta", "survivors"),
    [(0.704, 1.182, REGULAR[:8]), (0.668, 3.806, HIGH_END[:8]), (2.5, 0.4, REGULAR)],
)
def test_log_likelihood_matches_the_recursion(alpha, beta, survivors):
    expected = _ll_by_recursion(alpha, beta, survivors)
    assert sbg.log_likelihood(alpha, beta, survivors) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "ll"),
    [
        # The paper: regular α̂ = 0.704, β̂ = 1.182; high end α̂ = 0.668, β̂ = 3.806, fitted to
        # years 1-7; the maximised log-likelihoods -1680.3 and -1611.2.
        (REGULAR[:8], 0.704, 1.182, -1680.3),
        (HIGH_END[:8], 0.668, 3.806, -1611.2),
    ],
)
def test_fit_reproduces_the_papers_estimates(survivors, alpha, beta, ll):
    fitted = sbg.fit(survivors)
    assert round(fitted.alpha, 3) == alpha
    assert round(fitted.beta, 3) == beta
    assert round(fitted.log_likelihood, 1) == ll
    assert (fitted.customers, fitted.periods) == (1000, 7)


@pytest.mark.parametrize("survivors", [REGULAR, HIGH_END])
def test_projection_of_years_8_to_12_stays_near_what_happened(survivors):
    # The paper's point (Figure 3): fitted on 7 years, the model tracks years 8-12 closely
    # (worst: high end year 12, 378 projected against 394 actual, 4 %).
    fitted = sbg.fit(survivors[:8])
    projected = sbg.survival(fitted.alpha, fitted.beta, 12)[8:] * survivors[0]
    for year, actual in zip(range(8, 13), survivors[8:], strict=True):
        assert abs(projected[year - 8] - actual) / actual < 0.05


def test_survival_and_retention_curves_by_hand():
    # α = 1, β = 2: S(t) = B(1, 2+t)/B(1, 2) = 2/(2+t): 1, 2/3, 1/2, 2/5;
    # r(t) = (β+t-1)/(α+β+t-1) = 2/3, 3/4, 4/5; P(T=1) = α/(α+β) = 1/3.
    assert list(sbg.survival(1.0, 2.0, 3)) == pytest.approx([1, 2 / 3, 1 / 2, 2 / 5])
    assert list(sbg.retention(1.0, 2.0, 3)) == pytest.approx([2 / 3, 3 / 4, 4 / 5])
    assert sbg.churn_probabilities(1.0, 2.0, 1)[0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("renewals", [0, 1, 4, 20])
def test_derl_closed_form_equals_the_direct_sum(renewals):
    # DERL = sum over k >= 0 of S(n+k)/S(n-1)/(1+d)^k, n = renewals+1, summed here from the
    # survival curve (2,000 terms: the rest is below 1.1^-2000 = 1e-83).
    alpha, beta, d = 0.668, 3.806, 0.10
    n = renewals + 1
    s = sbg.survival(alpha, beta, n + 2_000)
    direct = sum(s[n + k] / s[n - 1] / (1 + d) ** k for k in range(2_000))
    assert sbg.discounted_residual_lifetime(alpha, beta, d, renewals) == pytest.approx(direct)
    three = sum(s[n + k] / s[n - 1] / (1 + d) ** k for k in range(3))
    assert sbg.discounted_residual_lifetime(alpha, beta, d, renewals, 3) == pytest.approx(three)


def test_del_closed_form_equals_the_direct_sum():
    alpha, beta, d = 0.704, 1.182, 0.10
    s = sbg.survival(alpha, beta, 2_000)
    direct = sum(s[t] / (1 + d) ** t for t in range(2_001))
    assert sbg.discounted_expected_lifetime(alpha, beta, d) == pytest.approx(direct)
    assert sbg.discounted_expected_lifetime(alpha, beta, d, horizon=1) == 1.0


def test_homogeneous_cohort_tends_to_the_constant_retention_multiple():
    # With α, β large and β/(α+β) = 0.8 everyone renews with probability 0.8, and DEL is the
    # margin multiple (1+d)/(1+d-r) = 1.1/0.3 = 3.6667.
    assert sbg.discounted_expected_lifetime(2e5, 8e5, 0.1) == pytest.approx(1.1 / 0.3, rel=1e-4)


def test_margin_multiple_by_hand():
    assert sbg.margin_multiple(0.8, 0.1) == pytest.approx(1.1 / 0.3)
    # Three payments: 1 + 0.8/1.1 + 0.64/1.21 = 1 + 0.727273 + 0.528926 = 2.256198.
    assert sbg.margin_multiple(0.8, 0.1, horizon=3) == pytest.approx(2.256198, abs=1e-6)
    with pytest.raises(InvalidInput, match="retention"):
        sbg.margin_multiple(1.2, 0.1)


def test_small_cohort_falls_back_to_the_constant_multiple():
    value = sbg.cohort_value([20, 15, 12], discount=0.1)
    assert value.method == sbg.CONSTANT
    assert value.reason == "cohort of 20 customers, under 30"
    # Pooled retention: (15 + 12) / (20 + 15) = 27/35; multiple 1.1/(1.1 - 27/35).
    assert value.retention == pytest.approx(27 / 35)
    assert value.multiple() == pytest.approx(1.1 / (1.1 - 27 / 35))
    assert value.residual(3) == pytest.approx(27 / 35 * 1.1 / (1.1 - 27 / 35))


def test_short_history_falls_back_and_a_fitted_cohort_names_the_model():
    assert sbg.cohort_value([100, 80], 0.1).reason == "1 renewal period observed, under 2"
    assert sbg.cohort_value([100, 100, 100], 0.1).reason == "no churn observed yet"
    value = sbg.cohort_value(HIGH_END[:8], 0.1)
    assert value.method == sbg.SBG and value.reason is None
    assert value.fit is not None and round(value.fit.alpha, 3) == 0.668


@pytest.mark.parametrize("survivors", [[], [10], [0, 0], [10, 11], [10, -1]])
def test_bad_survivors_are_the_users_error(survivors):
    with pytest.raises(InvalidInput, match="survivors"):
        sbg.log_likelihood(1.0, 1.0, survivors)


def test_survivor_counts_from_customer_histories():
    # Five customers: two left after period 1, one after 3, two still there after 3 periods:
    # survivors 5, 3, 3, 2.
    assert sbg.survivor_counts([1, None, 3, 1, None], 3) == [5, 3, 3, 2]
    with pytest.raises(InvalidInput, match="churned_after"):
        sbg.survivor_counts([4], 3)


def test_a_homogeneous_cohort_is_valued_like_constant_retention():
    # Exactly 80 % renew every year (1000, 800, 640, 512): the likelihood grows as α, β grow with β/(α+β) = 0.8, and
    # the fitted multiple comes within 0.1 % of 1.1/(1.1 - 0.8) = 3.6667.
    value = sbg.cohort_value([1000, 800, 640, 512], 0.1)
    assert value.method == sbg.SBG
    assert value.multiple() == pytest.approx(1.1 / 0.3, rel=1e-3)


def test_a_cohort_gone_at_the_first_renewal_is_worth_its_first_payment():
    # All 40 left after period 1: S(t) = 0 for t >= 1, so DEL = S(0) = 1 and nothing remains.
    value = sbg.cohort_value([40, 0, 0], 0.08)
    assert value.multiple() == pytest.approx(1.0)
    assert value.residual(2) == pytest.approx(0.0, abs=1e-6)
