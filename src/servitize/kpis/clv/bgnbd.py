"""The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting your customers
the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2)).

While active a customer buys as a Poisson process with rate λ ~ gamma(r, α); after every repeat
purchase they drop out for good with probability p ~ beta(a, b). A customer is summarised by x
(repeat purchases in the calibration period), t_x (time of the last one after the first
purchase) and T (time from the first purchase to the end of calibration), all in one period
unit (weeks, days) that the caller names: α and every forecast horizon are in that unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1

from servitize.core.errors import InvalidInput

Floats = NDArray[np.float64]

# Parameters are searched in log space within e^-12 .. e^12 of their start. A fit that ends
# beyond e^±9 (8,000 times its start) has run toward a maximum at infinity (a population
# without heterogeneity in rate or dropout: the Poisson or the fixed-p limit, where the
# likelihood is flat and the forecasts lose their precision): it is refused, with the reason.
LOG_BOUND = 12.0
RUNAWAY = 9.0
_OPTIONS = {"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000}


@dataclass(frozen=True)
class BgNbdParams:
    """Purchase rate gamma(r, alpha) and dropout beta(a, b); alpha in the period unit."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class BgNbdFit:
    """The fitted parameters, the log-likelihood at them, and what they were fitted on."""

    params: BgNbdParams
    log_likelihood: float
    customers: int
    period: str


def _arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[Floats, Floats, Floats]:
    xs = np.asarray(x, dtype=np.float64)
    txs = np.asarray(t_x, dtype=np.float64)
    Ts = np.asarray(T, dtype=np.float64)
    if (xs < 0).any() or (txs < 0).any() or (txs > Ts + 1e-9).any():
        raise InvalidInput("x and t_x must not be negative, and t_x must not exceed T")
    if ((xs == 0) & (txs != 0)).any():
        raise InvalidInput("t_x must be 0 for a customer without repeat purchases")
    return xs, txs, Ts


def log_likelihood_terms(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Floats:
    """Each customer's log-likelihood, ln(A1·A2·(A3 + [x>0]·A4)) of FHL 2005 eq. 6."""
    xs, txs, Ts = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    ln_a1 = gammaln(r + xs) - gammaln(r) + r * np.log(alpha)
    ln_a2 = betaln(a, b + xs) - betaln(a, b)
    ln_a3 = -(r + xs) * np.log(alpha + Ts)
    repeat = xs > 0
    # A4 exists only for repeat buyers; elsewhere its log is -inf and logaddexp leaves A3.
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_a4 = np.where(
            repeat,
            np.log(a)
            - np.log(np.where(repeat, b + xs - 1.0, 1.0))
            - (r + xs) * np.log(alpha + txs),
            -np.inf,
        )
    return np.asarray(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4))


def log_likelihood(
    params: BgNbdParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    """The sample's log-likelihood; ``weights`` counts customers sharing one (x, t_x, T)."""
    terms = log_likelihood_terms(params, x, t_x, T)
    if weights is None:
        return float(terms.sum())
    return float(np.dot(np.asarray(weights, dtype=np.float64), terms))


@dataclass(frozen=True)
class _Sample:
    """A sample prepared for the search: weights, and the distinct x with their total weight
    (the gamma and beta functions depend on x alone, so they are taken once per distinct x)."""

    x: Floats
    t_x: Floats
    T: Floats
    w: Floats
    distinct_x: Floats
    weight_of_x: Floats
    customers: float


def _prepare(xs: Floats, txs: Floats, Ts: Floats, w: Floats) -> _Sample:
    distinct, inverse = np.unique(xs, return_inverse=True)
    per_x = np.bincount(inverse, weights=w, minlength=distinct.size).astype(np.float64)
    return _Sample(xs, txs, Ts, w, distinct, per_x, float(w.sum()))


def _objective(params: BgNbdParams, s: _Sample) -> tuple[float, Floats]:
    """The sample's log-likelihood and its gradient in (ln r, ln alpha, ln a, ln b)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    # ln A1 + ln A2 summed over the distinct x (plus r ln alpha for everyone).
    u, wu, n = s.distinct_x, s.weight_of_x, s.customers
    psi_ab, psi_abu = digamma(a + b), digamma(a + b + u)
    total = float(
        np.dot(wu, gammaln(r + u) - gammaln(r) + betaln(a, b + u) - betaln(a, b))
        + n * r * np.log(alpha)
    )
    grad = np.array(
        [
            r * (np.dot(wu, digamma(r + u) - digamma(r)) + n * np.log(alpha)),
            n * r,
            a * np.dot(wu, psi_ab - psi_abu),
            b * np.dot(wu, digamma(b + u) - digamma(b) + psi_ab - psi_abu),
        ]
    )
    # ln(A3 + [x>0] A4) per customer.
    xs, w = s.x, s.w
    repeat = xs > 0
    rx = r + xs
    ln_alpha_T = np.log(alpha + s.T)
    ln_alpha_tx = np.log(alpha + s.t_x)
    ln_a3 = -rx * ln_alpha_T
    b_x1 = np.where(repeat, b + xs - 1.0, 1.0)
    with np.errstate(divide="ignore"):
        ln_a4 = np.where(repeat, np.log(a) - np.log(b_x1) - rx * ln_alpha_tx, -np.inf)
    both = np.logaddexp(ln_a3, ln_a4)
    w4 = np.exp(ln_a4 - both)  # the share of A4 in A3 + A4 (0 without repeat purchases)
    w3 = 1.0 - w4
    total += float(np.dot(w, both))
    grad[0] -= r * np.dot(w, (w3 * ln_alpha_T + w4 * ln_alpha_tx))
    grad[1] -= alpha * np.dot(w, rx * (w3 / (alpha + s.T) + w4 / (alpha + s.t_x)))
    grad[2] += np.dot(w, w4)
    grad[3] -= b * np.dot(w, w4 / b_x1)
    return total, grad


def fit(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    period: str,
    weights: ArrayLike | None = None,
) -> BgNbdFit:
    """Maximum-likelihood parameters by BFGS with the analytic gradient, searched in log space
    from (1, 1, 1, 1), alpha relative to the mean T (a purchase rate of about 1/T)."""
    xs, txs, Ts = _arrays(x, t_x, T)
    w = np.ones_like(xs) if weights is None else np.asarray(weights, dtype=np.float64)
    customers = int(w.sum())
    if customers == 0:
        raise InvalidInput("there are no customers to fit")
    if not (xs > 0).any():
        raise InvalidInput("no customer bought again; the purchase model needs repeat purchases")
    sample = _prepare(xs, txs, Ts, w)
    scale = float(np.dot(w, Ts) / customers)

    def negative(log_params: Floats) -> tuple[float, Floats]:
        r, alpha, a, b = np.exp(log_params)
        total, grad = _objective(BgNbdParams(r, alpha * scale, a, b), sample)
        # alpha is searched as alpha/scale; the gradient in its log is the same.
        return -total / customers, -grad / customers

    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    with np.errstate(over="ignore", under="ignore"):
        best = minimize(
            negative, np.zeros(4), jac=True, method="L-BFGS-B", bounds=bounds, options=_OPTIONS
        )
    edge = [name for name, v in zip(("r", "alpha", "a", "b"), best.x, strict=True)
            if abs(v) > RUNAWAY]  # fmt: skip
    if edge or not np.isfinite(best.fun):
        raise InvalidInput(
            f"the purchase model has no finite fit on these {customers} customers "
            f"({', '.join(edge) or 'no optimum'} ran off toward infinity): they buy too "
            "much alike, or too few of them, to tell the mixture apart"
        )
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    params = BgNbdParams(r, alpha * scale, a, b)
    return BgNbdFit(params, log_likelihood(params, xs, txs, Ts, w), customers, period)


def expected_purchases(params: BgNbdParams, t: ArrayLike) -> Floats:
    """E[X(t)]: repeat purchases of a new customer in (0, t] (FHL 2005 eq. 9)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    ts = np.asarray(t, dtype=np.float64)
    z = ts / (alpha + ts)
    tail = (alpha / (alpha + ts)) ** r * hyp2f1(r, b, a + b - 1.0, z)
    return np.asarray((a + b - 1.0) / (a - 1.0) * (1.0 - tail))


def probability_alive(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Floats:
    """P(still active at T | x, t_x, T) (FHL 2008 note "Computing P(alive)"): 1 for x = 0."""
    xs, txs, Ts = _arrays(x, t_x, T)
    return 1.0 / (1.0 + _dropout_odds(params, xs, txs, Ts))


def _dropout_odds(params: BgNbdParams, xs: Floats, txs: Floats, Ts: Floats) -> Floats:
    # [x>0] · a/(b+x-1) · ((alpha+T)/(alpha+t_x))^(r+x), in log space against overflow.
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = xs > 0
    b_x1 = np.where(repeat, b + xs - 1.0, 1.0)
    log_odds = np.log(a / b_x1) + (r + xs) * (np.log(alpha + Ts) - np.log(alpha + txs))
    return np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)


def conditional_expected_purchases(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Floats:
    """E[Y(t) | x, t_x, T]: purchases in the next t periods after T (FHL 2005 eq. 10)."""
    xs, txs, Ts = _arrays(x, t_x, T)
    head = (params.a + params.b + xs - 1.0) / (params.a - 1.0)
    tail = tail_factor(params, np.asarray(t, dtype=np.float64), xs, Ts)
    return np.asarray(head * (1.0 - tail) / (1.0 + _dropout_odds(params, xs, txs, Ts)))


def tail_factor(params: BgNbdParams, t: Floats | float, xs: Floats, Ts: Floats) -> Floats:
    """((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; z), z = t/(α+T+t), of eq. 10.

    Evaluated first as ((α+T)/(α+T+t))^(a-1) · 2F1(a+b-1-r, a-1; a+b+x-1; z) (Pfaff's
    transformation applied twice): the printed power underflows while its series overflows
    for heavy buyers, and here only the third parameter grows with x. Where that fails (a in
    the thousands: dropout nearly the same for everyone) the printed form is used.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + Ts + t)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        tail = np.asarray(
            (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + xs - 1.0, z)
        )
        failed = ~np.isfinite(tail)
        if failed.any():
            zf = np.broadcast_to(z, tail.shape)[failed]
            xf = np.broadcast_to(xs, tail.shape)[failed]
            tail[failed] = (1.0 - zf) ** (r + xf) * hyp2f1(r + xf, b + xf, a + b + xf - 1.0, zf)
    return tail
