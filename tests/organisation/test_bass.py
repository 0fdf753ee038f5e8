"""The Bass diffusion: the integrator against the closed form, p, q and m recovered from data
the closed form made, and the too-little-history message."""

from __future__ import annotations

import math

import pytest

from servitize.organisation import bass


def _closed(t: float, p: float, q: float) -> float:
    # written out again here: F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})
    e = math.exp(-(p + q) * t)
    return (1 - e) / (1 + q / p * e)


def test_the_closed_form_in_its_special_cases() -> None:
    # no imitation: F = 1 − e^{−pt}; F(0) = 0; F → 1
    assert bass.share(10, 0.1, 0.0) == pytest.approx(1 - math.exp(-1))
    assert bass.share(0, 0.03, 0.38) == 0
    assert bass.share(500, 0.03, 0.38) == pytest.approx(1)
    # the peak of adoption lies at t* = ln(q/p) / (p + q)
    p, q = 0.01, 0.3
    peak = math.log(q / p) / (p + q)
    rates = [bass.share(peak + d, p, q) - bass.share(peak + d - 0.01, p, q) for d in (-1, 0, 1)]
    assert rates[1] > rates[0] and rates[1] > rates[2]


@pytest.mark.parametrize(("p", "q", "m"), [(0.03, 0.38, 1000), (0.002, 0.05, 40), (0.2, 0.0, 7)])
def test_the_integrator_follows_the_closed_form(p: float, q: float, m: float) -> None:
    stepped = bass.integrate(p, q, m, 36)
    for t, n in enumerate(stepped, start=1):
        assert n == pytest.approx(m * _closed(t, p, q), rel=1e-7, abs=1e-9)


def test_p_q_and_m_are_recovered_from_the_closed_form() -> None:
    p, q, m = 0.02, 0.25, 200.0
    data = [m * _closed(t, p, q) for t in range(1, 37)]
    fp, fq, fm, rmse = bass.fit(data, 1000)
    assert (fp, fq, fm) == pytest.approx((p, q, m), rel=1e-3)
    assert rmse < 1e-3
    # whole adopters (rounded; 200 F(36) = 199.8 → 200): still close
    found = bass.diffusion([round(x) for x in data], 1000, "segment 'Test'")
    assert found.fitted and found.reason == "fitted to 36 months of orders with 200 adopters"
    assert found.p == pytest.approx(p, rel=0.15)
    assert found.q == pytest.approx(q, rel=0.1)
    assert found.m == pytest.approx(m, rel=0.05)
    assert found.rmse is not None and found.rmse < 1
    # next month's adopters: m (F(37) − F(36))
    assert found.new_adopters(1) == pytest.approx(
        found.m * (_closed(37, found.p, found.q) - _closed(36, found.p, found.q))
    )


def test_too_little_history_is_said_and_the_defaults_used() -> None:
    short = bass.diffusion([1, 2, 4, 7], 30, "segment 'Fleet'")
    assert not short.fitted and short.rmse is None
    assert short.reason.startswith(
        "too little history in segment 'Fleet': 4 months and 7 adopters (at least 6 months and "
        "5 adopters)"
    )
    assert (short.p, short.q, short.m) == (0.0025, 0.38 / 12, 30.0)
    few = bass.diffusion([1, 1, 2, 2, 3, 3, 4, 4], 30)
    assert not few.fitted and "8 months and 4 adopters" in few.reason
    none = bass.diffusion([], 12)
    assert not none.fitted and "0 months and 0 adopters" in none.reason
