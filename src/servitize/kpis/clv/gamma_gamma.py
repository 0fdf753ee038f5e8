"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis", JMR 42(4); Fader & Hardie 2013, "The
Gamma-Gamma model of monetary value").

A customer's purchase values are gamma(p, ν) around their own mean p/ν, and ν is gamma(q, γ)
over the customers. Only repeat buyers are fitted (x >= 1 purchases with mean value z̄), and
the model assumes value does not depend on how often a customer buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from servitize.core.errors import InvalidInput

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams:
    """Shape p of each purchase's value; ν ~ gamma(q, gamma) across customers."""

    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class GammaGammaFit:
    """The fitted parameters, the log-likelihood at them, and how many customers were fitted."""

    params: GammaGammaParams
    log_likelihood: float
    customers: int


def _arrays(x: ArrayLike, mean_value: ArrayLike) -> tuple[Floats, Floats]:
    xs = np.asarray(x, dtype=np.float64)
    zs = np.asarray(mean_value, dtype=np.float64)
    if (xs < 1).any() or (zs <= 0).any():
        raise InvalidInput("mean_value needs x of at least 1 and a value above 0 per customer")
    return xs, zs


def log_likelihood_terms(params: GammaGammaParams, x: ArrayLike, mean_value: ArrayLike) -> Floats:
    """ln f(z̄ | p, q, γ; x) = ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln z̄
    + px ln x - (px+q) ln(γ + x z̄), per customer (FH 2013 eq. 3)."""
    xs, zs = _arrays(x, mean_value)
    p, q, g = params.p, params.q, params.gamma
    px = p * xs
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1.0) * np.log(zs)
        + px * np.log(xs)
        - (px + q) * np.log(g + xs * zs)
    )


def log_likelihood(params: GammaGammaParams, x: ArrayLike, mean_value: ArrayLike) -> float:
    """The repeat buyers' log-likelihood."""
    return float(log_likelihood_terms(params, x, mean_value).sum())


def fit(x: ArrayLike, mean_value: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood (p, q, γ) over the repeat buyers, searched in log space with the
    analytic gradient; γ is searched relative to the mean value so the start fits any currency."""
    xs, zs = _arrays(x, mean_value)
    if xs.size < 2:
        raise InvalidInput("the spend model needs at least two repeat buyers")
    scale = float(zs.mean())
    n = float(xs.size)
    # The gamma functions depend on x alone: taken once per distinct x, weighted by its count.
    distinct, inverse = np.unique(xs, return_inverse=True)
    count = np.bincount(inverse).astype(np.float64)
    log_z = np.log(zs)
    x_log_z, sum_log_z = float(np.dot(xs, log_z)), float(log_z.sum())
    x_log_x = float(np.dot(xs, np.log(xs)))

    def negative(log_params: Floats) -> tuple[float, Floats]:
        p, q, g_rel = np.exp(log_params)
        g = g_rel * scale
        pu = p * distinct
        spread = g + xs * zs
        log_spread = np.log(spread)
        x_log_spread, sum_log_spread = float(np.dot(xs, log_spread)), float(log_spread.sum())
        total = (
            np.dot(count, gammaln(pu + q) - gammaln(pu))
            + n * (q * np.log(g) - gammaln(q))
            + p * x_log_z - sum_log_z + p * x_log_x
            - p * x_log_spread - q * sum_log_spread
        )  # fmt: skip
        psi = digamma(pu + q)
        dp = np.dot(count, distinct * (psi - digamma(pu))) + x_log_z + x_log_x - x_log_spread
        dq = np.dot(count, psi) - n * digamma(q) + n * np.log(g) - sum_log_spread
        dg = n * q / g - float(np.sum((p * xs + q) / spread))
        grad = np.array([p * dp, q * dq, g * dg])
        return -float(total) / n, -grad / n

    # Bounded in log space: a maximum at infinity (everyone's mean value alike, or each
    # customer's purchases alike) ends at e^12, where the conditional mean is still exact
    # enough (it tends to the population mean, or to the customer's own).
    with np.errstate(over="ignore", under="ignore"):
        best = minimize(
            negative,
            np.zeros(3),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0)] * 3,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
        )
    p, q, g_rel = (float(v) for v in np.exp(best.x))
    params = GammaGammaParams(p, q, g_rel * scale)
    return GammaGammaFit(params, log_likelihood(params, xs, zs), int(xs.size))


def conditional_expected_value(
    params: GammaGammaParams, x: ArrayLike, mean_value: ArrayLike
) -> Floats:
    """E(M | p, q, γ, z̄, x) = p(γ + x z̄) / (px + q - 1): the customer's mean pulled toward the
    population mean pγ/(q-1), less the more purchases they made. x = 0 gives that mean."""
    xs = np.asarray(x, dtype=np.float64)
    zs = np.where(xs > 0, np.asarray(mean_value, dtype=np.float64), 0.0)
    p, q, g = params.p, params.q, params.gamma
    if q <= 1:
        raise InvalidInput("q must be above 1 for the mean value to exist")
    return np.asarray(p * (g + xs * zs) / (p * xs + q - 1.0))
