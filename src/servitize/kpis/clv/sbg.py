"""The shifted-beta-geometric (sBG) retention model for contractual revenue.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive Marketing
21(1); the discounted residual lifetime from Fader & Hardie (2010), "Customer-base valuation
in a contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1).

Each customer renews at the end of every period with their own probability 1 - θ; θ is beta
distributed over the cohort with (alpha, beta). A cohort is the list of survivors at the end
of each period: ``survivors[0]`` customers started, ``survivors[t]`` still paid in period t+1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

from servitize.core.errors import InvalidInput

# A cohort is fitted only with at least this many starting customers and this many observed
# renewal periods: two retention rates are the least that identify both alpha and beta, and
# under 30 customers a single churner moves a retention rate by more than three points.
MIN_CUSTOMERS = 30
MIN_PERIODS = 2

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class SbgFit:
    """The fitted (alpha, beta) of one cohort and the log-likelihood at the optimum."""

    alpha: float
    beta: float
    log_likelihood: float
    customers: int
    periods: int


def _checked(survivors: Sequence[int]) -> NDArray[np.int64]:
    counts = np.asarray(survivors, dtype=np.int64)
    if counts.ndim != 1 or counts.size < 2:
        raise InvalidInput("survivors must list the cohort's size and at least one period")
    if counts[0] <= 0 or (counts < 0).any():
        raise InvalidInput("survivors must start with a positive count and none be negative")
    if (np.diff(counts) > 0).any():
        raise InvalidInput("survivors must not grow from one period to the next")
    return counts


def churn_probabilities(alpha: float, beta: float, periods: int) -> Floats:
    """P(T = t) for t = 1..periods: the share of the cohort lost at the end of period t."""
    t = np.arange(1, periods + 1, dtype=np.float64)
    return np.asarray(np.exp(betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta)))


def survival(alpha: float, beta: float, periods: int) -> Floats:
    """S(t) for t = 0..periods: the share of the cohort still a customer after t periods."""
    t = np.arange(0, periods + 1, dtype=np.float64)
    return np.asarray(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)))


def retention(alpha: float, beta: float, periods: int) -> Floats:
    """r(t) = S(t) / S(t-1) for t = 1..periods; it rises with t as the likely churners leave."""
    t = np.arange(1, periods + 1, dtype=np.float64)
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def log_likelihood(alpha: float, beta: float, survivors: Sequence[int]) -> float:
    """The cohort's log-likelihood: the lost of each period at P(T = t), the rest at S(n)."""
    counts = _checked(survivors)
    periods = counts.size - 1
    lost = counts[:-1] - counts[1:]
    churn = churn_probabilities(alpha, beta, periods)
    still = betaln(alpha, beta + periods) - betaln(alpha, beta)
    return float(np.sum(lost * np.log(churn)) + counts[-1] * still)


def fit(survivors: Sequence[int]) -> SbgFit:
    """Maximum-likelihood (alpha, beta) of a cohort, searched in log space."""
    counts = _checked(survivors)
    if counts[-1] == counts[0]:
        raise InvalidInput("survivors show no churn at all; the retention model needs some")

    def negative(log_params: Floats) -> float:
        alpha, beta = np.exp(log_params)
        return -log_likelihood(float(alpha), float(beta), survivors)

    # Searched within e^-15 .. e^15: a cohort whose maximum lies at infinity (everyone alike:
    # constant retention) or at 0 (some leave at once, the rest never) ends at the edge, where
    # survival and DEL are already their limits to many digits.
    best = minimize(
        negative,
        np.zeros(2),
        method="Nelder-Mead",
        bounds=[(-15.0, 15.0)] * 2,
        options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000},
    )
    alpha, beta = (float(v) for v in np.exp(best.x))
    return SbgFit(alpha, beta, -float(best.fun), int(counts[0]), int(counts.size - 1))


def _terms_to_converge(discount: float) -> int:
    # scipy's 2F1 gives up for large alpha and beta (a nearly homogeneous cohort); the sum is
    # then taken term by term until the discount alone makes the rest below 1e-15 of it.
    return int(np.ceil(35.0 / np.log1p(discount))) + 1


def discounted_residual_lifetime(
    alpha: float, beta: float, discount: float, renewals: int = 0, horizon: int | None = None
) -> float:
    """DERL: the discounted number of payments still to come from a customer who has renewed
    ``renewals`` times and is now up for renewal (Fader & Hardie 2010, eq. 6).

    The payment at this renewal counts undiscounted if the customer renews, the next one at
    1/(1+d), and so on. ``horizon`` limits the count to that many payments; without it the
    sum runs to infinity in closed form:
    (beta+n-1)/(alpha+beta+n-1) · 2F1(1, beta+n; alpha+beta+n; 1/(1+d)), n = renewals + 1.
    """
    if discount <= 0 and horizon is None:
        raise InvalidInput("discount must be above 0 for an unlimited horizon")
    n = renewals + 1
    if horizon is None:
        first = (beta + n - 1.0) / (alpha + beta + n - 1.0)
        closed = first * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount))
        if np.isfinite(closed):
            return float(closed)
        horizon = _terms_to_converge(discount)
    k = np.arange(horizon, dtype=np.float64)
    # S(n-1+k+1) / S(n-1): survive this renewal and k more.
    log_ratio = betaln(alpha, beta + n + k) - betaln(alpha, beta + n - 1.0)
    return float(np.sum(np.exp(log_ratio) / (1.0 + discount) ** k))


def discounted_expected_lifetime(
    alpha: float, beta: float, discount: float, horizon: int | None = None
) -> float:
    """DEL: the discounted number of payments of a customer just acquired, the first payment
    (now) included: sum over t >= 0 of S(t) / (1+d)^t = 2F1(1, beta; alpha+beta; 1/(1+d))."""
    if discount <= 0 and horizon is None:
        raise InvalidInput("discount must be above 0 for an unlimited horizon")
    if horizon is None:
        closed = hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + discount))
        if np.isfinite(closed):
            return float(closed)
        horizon = _terms_to_converge(discount)
    t = np.arange(horizon, dtype=np.float64)
    return float(np.sum(survival(alpha, beta, horizon - 1) / (1.0 + discount) ** t))


def margin_multiple(retention_rate: float, discount: float, horizon: int | None = None) -> float:
    """The constant-retention multiple of a period's margin, first payment (now) included:
    (1+d) / (1+d-r) without a horizon, else the sum of (r/(1+d))^t for t below the horizon."""
    if not 0.0 <= retention_rate <= 1.0:
        raise InvalidInput("retention must lie between 0 and 1")
    if horizon is None:
        if discount <= 0 and retention_rate >= 1.0:
            raise InvalidInput("discount must be above 0 for an unlimited horizon")
        return (1.0 + discount) / (1.0 + discount - retention_rate)
    ratio = retention_rate / (1.0 + discount)
    return float(np.sum(ratio ** np.arange(horizon, dtype=np.float64)))


def survivor_counts(churned_after: Sequence[int | None], periods: int) -> list[int]:
    """A cohort's survivors at the end of periods 0..periods from each customer's history:
    the period after which they left (1..periods), or None for a customer still there."""
    if periods < 1:
        raise InvalidInput("periods must be at least 1")
    left = [k for k in churned_after if k is not None]
    if any(not 1 <= k <= periods for k in left):
        raise InvalidInput(f"churned_after must lie between 1 and {periods} or be empty")
    lost = np.bincount(np.asarray(left, dtype=np.int64), minlength=periods + 1)
    return [len(churned_after) - int(n) for n in np.cumsum(lost)]


def pooled_retention(survivors: Sequence[int]) -> float:
    """The cohort's observed retention over all its periods: renewals over chances to renew."""
    counts = _checked(survivors)
    return float(counts[1:].sum() / counts[:-1].sum())


SBG = "shifted-beta-geometric"
CONSTANT = "constant retention"


@dataclass(frozen=True)
class CohortValue:
    """What a period's margin is worth over a customer's life in one cohort, and how it was
    found: the sBG fit, or the constant-retention multiple with the reason for falling back."""

    method: str
    discount: float
    horizon: int | None
    fit: SbgFit | None
    retention: float
    reason: str | None = None

    def multiple(self) -> float:
        """Discounted expected payments of a customer just acquired (first payment included)."""
        if self.fit is not None:
            return discounted_expected_lifetime(
                self.fit.alpha, self.fit.beta, self.discount, self.horizon
            )
        return margin_multiple(self.retention, self.discount, self.horizon)

    def residual(self, renewals: int) -> float:
        """Discounted expected payments still to come from a customer up for renewal after
        ``renewals`` renewals (the constant model: r times the multiple, whatever the tenure)."""
        if self.fit is not None:
            return discounted_residual_lifetime(
                self.fit.alpha, self.fit.beta, self.discount, renewals, self.horizon
            )
        return self.retention * margin_multiple(self.retention, self.discount, self.horizon)


def cohort_value(
    survivors: Sequence[int], discount: float, horizon: int | None = None
) -> CohortValue:
    """The sBG multiple of a cohort, or the constant-retention one where the cohort is smaller
    than MIN_CUSTOMERS, has fewer than MIN_PERIODS periods, or shows no churn."""
    counts = _checked(survivors)
    observed = pooled_retention(survivors)
    reason = None
    if counts[0] < MIN_CUSTOMERS:
        reason = f"cohort of {counts[0]} customers, under {MIN_CUSTOMERS}"
    elif counts.size - 1 < MIN_PERIODS:
        reason = f"{counts.size - 1} renewal period observed, under {MIN_PERIODS}"
    elif counts[-1] == counts[0]:
        reason = "no churn observed yet"
    if reason is not None:
        return CohortValue(CONSTANT, discount, horizon, None, observed, reason)
    return CohortValue(SBG, discount, horizon, fit(survivors), observed)
