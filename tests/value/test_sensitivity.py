"""Tornado and break-even of the value case's NPV.

The model: an investment at time 0, then for ``years`` years a saving of hours × cost per hour
× share avoided, less a yearly fee. Its NPV has the closed form
    NPV = −investment + (hours × cost × share − fee) × a(n, r),  a = (1 − (1 + r)^−n) / r,
so every expected number comes from that formula or from numpy-financial (test only).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy_financial as npf
import pytest

from servitize.core.errors import InvalidInput
from servitize.value.finance import Convention, PeriodLength
from servitize.value.sensitivity import Array, break_even, npvs, scalar_model, tornado

YEARS = 5
BASE = {
    "hours": 120.0,
    "cost_per_hour": 800.0,
    "share": 0.5,
    "fee": 20_000.0,
    "investment": 90_000.0,
}


def model(values: Mapping[str, Array]) -> Array:
    """Flows of periods 0 … YEARS for every scenario, vectorised over the arrays."""
    saving = values["hours"] * values["cost_per_hour"] * values["share"] - values["fee"]
    k = len(saving)
    flows = np.empty((k, YEARS + 1))
    flows[:, 0] = -values["investment"]
    flows[:, 1:] = saving[:, None]
    return flows


def annuity(rate: float, n: int = YEARS) -> float:
    return n if rate == 0 else (1 - (1 + rate) ** -n) / rate


def closed(v: Mapping[str, float], rate: float) -> float:
    return -v["investment"] + (v["hours"] * v["cost_per_hour"] * v["share"] - v["fee"]) * annuity(
        rate
    )


def test_tornado_ranks_by_swing_with_the_closed_form_at_each_end() -> None:
    result = tornado(model, BASE, pct=20, steps=21, rate=0.1)
    a5 = annuity(0.1)  # 3.790786769
    # base: saving 120 × 800 × 0.5 − 20000 = 28000 → −90000 + 28000 × 3.7907868 = 16142.03
    assert result.base_npv == pytest.approx(-90_000 + 28_000 * a5, rel=1e-12)
    # swings: hours, cost and share each move the 48000 saving by ±20 % → 0.4 × 48000 × a5
    # = 72783.1; investment 0.4 × 90000 = 36000; fee 0.4 × 20000 × a5 = 30326.3
    swings = {b.name: b.swing for b in result.bars}
    assert swings["hours"] == pytest.approx(0.4 * 48_000 * a5, rel=1e-12)
    assert swings["investment"] == pytest.approx(36_000, rel=1e-12)
    assert swings["fee"] == pytest.approx(0.4 * 20_000 * a5, rel=1e-12)
    # equal swings keep the order given: hours, cost_per_hour, share
    assert [b.name for b in result.bars] == ["hours", "cost_per_hour", "share", "investment", "fee"]
    assert result.most_sensitive == "hours"
    assert result.convention is Convention.TIME_ZERO
    fee = next(b for b in result.bars if b.name == "fee")
    # a higher fee lowers the NPV: at +20 % the fee is 24000 → saving 24000
    assert fee.high_npv == pytest.approx(-90_000 + 24_000 * a5, rel=1e-12)
    assert fee.low_npv == pytest.approx(-90_000 + 32_000 * a5, rel=1e-12)


def test_every_step_of_the_grid_equals_numpy_financial() -> None:
    result = tornado(model, BASE, pct=30, steps=7, rate=0.07)
    for bar in result.bars:
        assert len(bar.values) == len(bar.npvs) == 7
        assert bar.values[0] == pytest.approx(BASE[bar.name] * 0.7)
        assert bar.values[3] == pytest.approx(BASE[bar.name])
        assert bar.values[-1] == pytest.approx(BASE[bar.name] * 1.3)
        for value, got in zip(bar.values, bar.npvs, strict=True):
            v = {**BASE, bar.name: value}
            saving = v["hours"] * v["cost_per_hour"] * v["share"] - v["fee"]
            expected = npf.npv(0.07, [-v["investment"]] + [saving] * YEARS)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-6)


def test_tornado_by_the_spreadsheet_convention_is_named_and_one_period_later() -> None:
    time_zero = tornado(model, BASE, rate=0.1)
    spreadsheet = tornado(model, BASE, rate=0.1, convention=Convention.SPREADSHEET)
    assert spreadsheet.convention is Convention.SPREADSHEET
    # every flow discounted one more period: NPV / 1.1
    assert spreadsheet.base_npv == pytest.approx(time_zero.base_npv / 1.1, rel=1e-12)


def test_tornado_at_a_zero_rate_adds_the_flows() -> None:
    # −90000 + 5 × 28000 = 50000
    assert tornado(model, BASE, rate=0.0).base_npv == pytest.approx(50_000)


def test_the_discount_rate_itself_can_be_an_assumption() -> None:
    base = {**BASE, "yearly_rate": 0.08}
    result = tornado(
        model, base, pct=50, steps=3, rate_assumption="yearly_rate", length=PeriodLength.YEAR
    )
    bar = next(b for b in result.bars if b.name == "yearly_rate")
    # 4 %, 8 %, 12 %: −90000 + 28000 × a(5, r)
    for rate, got in zip((0.04, 0.08, 0.12), bar.npvs, strict=True):
        assert got == pytest.approx(npf.npv(rate, [-90_000] + [28_000] * YEARS), rel=1e-12)
    assert result.rate_per_period is None and result.rate_assumption == "yearly_rate"


def test_a_yearly_rate_assumption_is_compounded_per_quarter() -> None:
    def quarterly(values: Mapping[str, Array]) -> Array:
        k = len(values["yearly_rate"])
        return np.tile(np.array([-100.0, 0, 0, 0, 108.0]), (k, 1))

    got = npvs(
        quarterly,
        {"yearly_rate": np.array([0.08])},
        rate_assumption="yearly_rate",
        length=PeriodLength.QUARTER,
    )
    # 108 after four quarters at 8 % a year is worth 100 now
    assert got[0] == pytest.approx(0.0, abs=1e-9)


def test_a_model_of_single_numbers_gives_the_same_tornado() -> None:
    def one(v: Mapping[str, float]) -> list[float]:
        saving = v["hours"] * v["cost_per_hour"] * v["share"] - v["fee"]
        return [-v["investment"]] + [saving] * YEARS

    slow = tornado(scalar_model(one), BASE, rate=0.1)
    fast = tornado(model, BASE, rate=0.1)
    assert [b.name for b in slow.bars] == [b.name for b in fast.bars]
    assert slow.base_npv == pytest.approx(fast.base_npv, rel=1e-12)


def test_break_even_of_a_linear_assumption_is_solved_exactly() -> None:
    result = break_even(model, BASE, "hours", rate=0.1)
    # −90000 + (h × 400 − 20000) × a5 = 0 → h = (90000 / a5 + 20000) / 400 = 109.35
    expected = (90_000 / annuity(0.1) + 20_000) / 400
    assert result.method == "linear"
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert closed({**BASE, "hours": expected}, 0.1) == pytest.approx(0, abs=1e-6)


def test_break_even_of_the_rate_is_the_irr_by_a_bracketed_root() -> None:
    base = {**BASE, "yearly_rate": 0.1}
    result = break_even(model, base, "yearly_rate", rate_assumption="yearly_rate", high=1.0)
    assert result.method == "bracketed"
    assert result.value == pytest.approx(npf.irr([-90_000] + [28_000] * YEARS), rel=1e-9)


def test_break_even_none_in_range() -> None:
    # h at break-even is 109.35: searching 115 … 200 finds nothing, and says where it is
    result = break_even(model, BASE, "hours", rate=0.1, low=115, high=200)
    assert result.value is None and result.method == "none"
    assert (
        result.reason is not None and "none in range" in result.reason and "109.3" in result.reason
    )
    base = {**BASE, "yearly_rate": 0.1}
    # the NPV stays positive at every rate from 0 % to 15 % (IRR 16.8 %)
    rate = break_even(model, base, "yearly_rate", rate_assumption="yearly_rate", low=0.0, high=0.15)
    assert rate.value is None and rate.reason is not None and "none in range" in rate.reason


def test_break_even_of_an_assumption_the_npv_does_not_depend_on() -> None:
    result = break_even(model, {**BASE, "unused": 3.0}, "unused", rate=0.1)
    assert result.value is None and result.reason is not None and "does not depend" in result.reason


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="pct"):
        tornado(model, BASE, pct=0, rate=0.1)
    with pytest.raises(InvalidInput, match="steps"):
        tornado(model, BASE, steps=1, rate=0.1)
    with pytest.raises(InvalidInput, match="rate"):
        tornado(model, BASE, rate=-1.0)
    with pytest.raises(InvalidInput, match="rate"):
        tornado(model, BASE)
    with pytest.raises(InvalidInput, match="rate_assumption"):
        tornado(model, BASE, rate_assumption="nope")
    with pytest.raises(InvalidInput, match="assumption"):
        break_even(model, BASE, "nope", rate=0.1)
    with pytest.raises(InvalidInput, match="low"):
        break_even(model, BASE, "hours", rate=0.1, low=5, high=1)
    with pytest.raises(InvalidInput, match="hours"):
        tornado(model, {**BASE, "hours": float("nan")}, rate=0.1)
    with pytest.raises(InvalidInput, match="yearly_rate"):
        tornado(
            model,
            {**BASE, "yearly_rate": -0.9},
            pct=200,
            rate_assumption="yearly_rate",
        )


def test_a_model_returning_the_wrong_shape_is_an_error() -> None:
    def flat(values: Mapping[str, Array]) -> Array:
        return np.zeros(3)

    with pytest.raises(ValueError, match="shape"):
        tornado(flat, BASE, rate=0.1)


def test_break_even_of_a_negative_rate_searches_above_minus_100_percent() -> None:
    # base −20 % a year: default range 10 × −0.2 = −2 … 0 is cut to −0.99 … 0; the NPV
    # −90000 + 28000 × a(5, r) is positive for every rate up to 0 % (IRR 16.8 %): none in range
    base = {**BASE, "yearly_rate": -0.2}
    result = break_even(model, base, "yearly_rate", rate_assumption="yearly_rate")
    assert result.value is None and result.low == -0.99 and result.high == 0.0
    with pytest.raises(InvalidInput, match="low"):
        break_even(model, base, "yearly_rate", rate_assumption="yearly_rate", low=-1.0)
