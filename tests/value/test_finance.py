"""The value case's finance: every expected number by hand (arithmetic in the comment), by a
closed form (annuity, quadratic formula) or by numpy-financial, a second library used only here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servitize.core.errors import InvalidInput
from servitize.kit.money import Rates
from servitize.value.finance import (
    CashFlow,
    Convention,
    Flows,
    PeriodLength,
    converted,
    cumulative,
    difference,
    irr,
    npv,
    payback,
    rate_per_period,
    tco,
)

TINY = D("1e-20")


def eur(*amounts: int | D, length: PeriodLength = PeriodLength.YEAR) -> Flows:
    return Flows.of(list(amounts), "EUR", length)


def annuity(rate: float, n: int) -> float:
    """Present value of 1 at the end of each of n periods: (1 − (1 + r)^−n) / r."""
    return n if rate == 0 else (1 - (1 + rate) ** -n) / rate


# --- rates ------------------------------------------------------------------------------------


def test_a_yearly_rate_becomes_the_compound_rate_per_period() -> None:
    quarter = rate_per_period(D("0.08"), PeriodLength.QUARTER)
    # (1.08)^(1/4) − 1 = 0.0194265469…; back by compounding: (1 + q)^4 = 1.08
    assert abs(quarter - D("0.019426546908")) < D("1e-12")
    assert abs((1 + quarter) ** 4 - D("1.08")) < TINY
    # 1 % a month compounds to 1.01^12 − 1 = 12.682503013196972 % a year
    month = rate_per_period(D("0.12682503013196972"), PeriodLength.MONTH)
    assert abs(month - D("0.01")) < D("1e-17")
    assert rate_per_period(D("0.08"), PeriodLength.YEAR) == D("0.08")
    assert rate_per_period(D(0), PeriodLength.MONTH) == 0


def test_a_negative_yearly_rate_gives_a_negative_rate_per_period() -> None:
    # −19 % a year: per quarter 0.81^(1/4) − 1 = √√0.81 − 1 = √0.9 − 1 = −5.13167 %
    q = rate_per_period(D("-0.19"), PeriodLength.QUARTER)
    assert abs(q - (D("0.81").sqrt().sqrt() - 1)) < TINY
    assert q < 0


@pytest.mark.parametrize("bad", [D(-1), D("-1.5"), D(-100)])
def test_a_rate_of_minus_100_percent_or_below_is_refused_naming_the_field(bad: D) -> None:
    with pytest.raises(InvalidInput, match="yearly_rate"):
        rate_per_period(bad, PeriodLength.YEAR)
    with pytest.raises(InvalidInput, match="rate_per_period"):
        npv(eur(-100, 50), bad)
    with pytest.raises(InvalidInput, match="rate"):
        payback(eur(-100, 50), bad)


def test_a_rate_given_as_a_float_is_refused() -> None:
    with pytest.raises(InvalidInput, match="yearly_rate"):
        rate_per_period(0.08, PeriodLength.YEAR)  # type: ignore[arg-type]


# --- NPV --------------------------------------------------------------------------------------

INVEST = eur(-1000, 300, 300, 300, 300, 300)


def test_npv_time_zero_by_the_annuity_formula_and_by_numpy_financial() -> None:
    result = npv(INVEST, D("0.1"))
    # −1000 + 300 × (1 − 1.1^−5) / 0.1 = −1000 + 300 × 3.790786769 = 137.2360308
    assert result.convention is Convention.TIME_ZERO
    assert abs(float(result.value) - (-1000 + 300 * annuity(0.1, 5))) < 1e-9
    assert abs(float(result.value) - npf.npv(0.1, [-1000, 300, 300, 300, 300, 300])) < 1e-9
    assert result.cents == 13724  # 137.236… → 137.24
    assert result.currency == "EUR"


def test_npv_spreadsheet_convention_discounts_the_first_flow_one_period() -> None:
    result = npv(INVEST, D("0.1"), Convention.SPREADSHEET)
    # NPV(10 %, −1000, 300, 300, 300, 300, 300) in a spreadsheet: −1000/1.1 + 300 × a(5)/1.1
    # = (−1000 + 1137.2360308) / 1.1 = 124.7600280
    assert result.convention is Convention.SPREADSHEET
    assert abs(float(result.value) - (-1000 + 300 * annuity(0.1, 5)) / 1.1) < 1e-9
    # the two conventions differ, and each result says which it is
    time_zero = npv(INVEST, D("0.1"))
    assert result.value != time_zero.value
    assert {result.convention.value, time_zero.convention.value} == {"spreadsheet", "time_zero"}


def test_npv_at_a_zero_rate_is_the_plain_sum() -> None:
    # −1000 + 5 × 300 = 500, in both conventions
    assert npv(INVEST, D(0)).value == 500
    assert npv(INVEST, D(0), Convention.SPREADSHEET).value == 500


def test_npv_at_a_negative_rate() -> None:
    result = npv(INVEST, D("-0.1"))
    # 300 × Σ 0.9^−t (t = 1…5) = 300 × (1/0.9)(1.1111…^5 − 1)/(1/0.9 − 1) = 300 × 7.61773…
    growth = 1 / 0.9
    closed = -1000 + 300 * growth * (growth**5 - 1) / (growth - 1)
    assert abs(float(result.value) - closed) < 1e-9
    assert abs(float(result.value) - npf.npv(-0.1, [-1000, 300, 300, 300, 300, 300])) < 1e-9


def test_npv_with_gaps_between_periods() -> None:
    flows = Flows.at([(0, D(-100)), (3, D("133.1"))], "EUR")
    # −100 + 133.1 / 1.1^3 = −100 + 133.1 / 1.331 = 0
    assert abs(npv(flows, D("0.1")).value) < TINY
    # spreadsheet over the values of periods 0…3 with zeros: (−100 + 0 + 0 + 133.1/1.331)/1.1
    spreadsheet = npv(flows, D("0.1"), Convention.SPREADSHEET).value
    assert abs(spreadsheet) < TINY
    assert len(flows.dense()) == 4


def test_flows_for_the_same_period_are_added() -> None:
    flows = Flows.at([(1, D(50)), (0, D(-100)), (1, D(70))], "EUR")
    assert [(f.period, f.amount) for f in flows] == [(0, D(-100)), (1, D(120))]


def test_a_flow_must_be_a_whole_period_and_an_exact_amount() -> None:
    with pytest.raises(InvalidInput, match="period"):
        CashFlow(-1, D(5))
    with pytest.raises(InvalidInput, match="amount"):
        CashFlow(0, 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="amount"):
        CashFlow(0, D("NaN"))
    with pytest.raises(InvalidInput, match="currency"):
        Flows.of([1], "euro")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(10**7), 10**7), min_size=1, max_size=40),
    st.integers(-500, 5000),
)
def test_npv_equals_numpy_financial_for_any_flows(amounts: list[int], basis: int) -> None:
    rate = basis / 10_000  # −5 % … 50 % per period
    ours = npv(eur(*amounts), D(basis) / 10_000).value
    theirs = npf.npv(rate, amounts)
    assert abs(float(ours) - theirs) <= 1e-9 * max(1.0, sum(abs(a) for a in amounts))


# --- IRR --------------------------------------------------------------------------------------


def test_irr_of_an_investment_is_its_one_root() -> None:
    result = irr(INVEST)
    assert result.value is not None and not result.several and result.sign_changes == 1
    assert result.roots == (result.value,)
    # numpy-financial: 15.2382371 %; and the annuity at that rate pays back the 1000 exactly
    assert abs(float(result.value) - npf.irr([-1000, 300, 300, 300, 300, 300])) < 1e-9
    assert abs(-1000 + 300 * annuity(float(result.value), 5)) < 1e-6


def test_irr_per_quarter_and_its_yearly_equivalent() -> None:
    flows = eur(-100, 0, 0, 0, D("108"), length=PeriodLength.QUARTER)
    result = irr(flows)
    # (1 + r)^4 = 1.08 → r = 1.94265 % a quarter, 8 % a year
    assert result.value is not None and result.yearly is not None
    assert abs(result.value - D("0.019426546908")) < D("1e-12")
    assert abs(result.yearly - D("0.08")) < D("1e-18")


def test_irr_with_two_roots_says_so_and_gives_both() -> None:
    result = irr(eur(-100, 230, -132))
    # −100 + 230x − 132x² = 0 with x = 1/(1+r): x = (230 ± √(52900 − 52800)) / 264
    # = 240/264 or 220/264 → r = 264/240 − 1 = 10 % and 264/220 − 1 = 20 %
    assert result.several and result.value is None and result.sign_changes == 2
    assert [round(float(r), 12) for r in result.roots] == [0.1, 0.2]
    assert result.reason is not None and "several" in result.reason


def test_irr_none_when_every_flow_has_one_sign() -> None:
    result = irr(eur(100, 50, 20))
    assert result.value is None and result.roots == () and not result.several
    assert result.reason is not None and "one sign" in result.reason
    paid = irr(eur(-100, -50))
    assert paid.reason is not None and "paid out" in paid.reason


def test_irr_none_when_the_polynomial_has_no_real_root() -> None:
    # −100 + 50x − 100x²: discriminant 50² − 4 × 100 × 100 = −37500 < 0, no real x
    result = irr(eur(-100, 50, -100))
    assert result.value is None and result.roots == () and result.sign_changes == 2
    assert result.reason is not None and "no real rate" in result.reason


def test_irr_none_when_every_flow_is_zero() -> None:
    result = irr(eur(0, 0, 0))
    assert result.value is None and result.reason is not None and "zero" in result.reason


def test_irr_of_a_negative_rate() -> None:
    # pay 100, get 81 back after two years: (1 + r)^2 = 0.81 → r = −10 %
    result = irr(eur(-100, 0, 81))
    assert result.value is not None
    assert abs(result.value - D("-0.1")) < TINY


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1_000, 10**6),
    st.lists(st.integers(1, 10**5), min_size=2, max_size=30),
)
def test_irr_of_one_sign_change_equals_numpy_financial(outlay: int, returns: list[int]) -> None:
    amounts = [-outlay, *returns]
    result = irr(eur(*amounts))
    theirs = npf.irr(amounts)
    # one change of sign: exactly one root x > 0 (Descartes), so exactly one rate
    assert result.value is not None and not result.several
    assert abs(float(result.value) - theirs) < 1e-7 * max(1.0, abs(theirs))


# --- payback ----------------------------------------------------------------------------------


def test_simple_payback_falls_inside_a_period() -> None:
    result = payback(INVEST)
    # cumulative −1000, −700, −400, −100, +200: crosses in period 4 → 3 + 100/300 = 3.3333
    assert result.periods is not None and not result.discounted
    assert abs(result.periods - (D(3) + D(100) / D(300))) < TINY
    assert result.years == result.periods


def test_payback_in_quarters_is_also_given_in_years() -> None:
    result = payback(eur(-1000, 400, 400, 400, length=PeriodLength.QUARTER))
    # −1000, −600, −200, +200: 2 + 200/400 = 2.5 quarters = 0.625 years
    assert result.periods == D("2.5")
    assert result.years == D("0.625")


def test_discounted_payback_by_the_annuity_formula() -> None:
    result = payback(INVEST, D("0.1"))
    # cumulative after n years: −1000 + 300 a(n); a(4) = 3.169865 → −49.0405; a(5) → +137.2360;
    # the fifth flow is worth 300/1.1^5 = 186.2764 → 4 + 49.0405/186.2764 = 4.263267
    before = -1000 + 300 * annuity(0.1, 4)
    expected = 4 + -before / (300 / 1.1**5)
    assert result.periods is not None and result.discounted
    assert abs(float(result.periods) - expected) < 1e-9


def test_discounted_payback_at_a_zero_rate_is_the_simple_payback() -> None:
    assert payback(INVEST, D(0)).periods == payback(INVEST).periods


def test_a_case_that_never_pays_back() -> None:
    # −1000 + 100 + 100 = −800 at the end
    result = payback(eur(-1000, 100, 100))
    assert result.periods is None and result.years is None
    assert result.reason is not None and "never pays back" in result.reason
    # pays back undiscounted (−1000 + 5 × 210 = +50) but not at 10 %: 210 × a(5) = 796 < 1000
    assert payback(eur(-1000, 210, 210, 210, 210, 210)).periods is not None
    assert payback(eur(-1000, 210, 210, 210, 210, 210), D("0.1")).periods is None


def test_payback_counts_from_the_last_time_the_cumulative_flow_turns_positive() -> None:
    # cumulative −100, +50, −50, +50: back above zero for good in period 3 → 2 + 50/100 = 2.5
    assert payback(eur(-100, 150, -100, 100)).periods == D("2.5")


def test_nothing_to_pay_back() -> None:
    result = payback(eur(100, 50))
    assert result.periods == 0 and result.reason is not None


# --- TCO, cumulative, difference, currencies -------------------------------------------------


def test_tco_nominal_and_discounted() -> None:
    costs = eur(-1000, -200, -200)
    result = tco(costs, D("0.1"))
    # nominal 1000 + 200 + 200 = 1400; discounted 1000 + 200/1.1 + 200/1.21
    # = 1000 + 181.8182 + 165.2893 = 1347.1074
    assert result.nominal == 1400 and result.nominal_cents == 140_000
    assert abs(float(result.discounted) - (1000 + 200 / 1.1 + 200 / 1.21)) < 1e-9
    assert result.discounted_cents == 134_711
    assert result.convention is Convention.TIME_ZERO


def test_cumulative_for_the_chart() -> None:
    assert [f.amount for f in cumulative(INVEST)] == [-1000, -700, -400, -100, 200, 500]
    discounted = cumulative(eur(-100, 110), D("0.1"))
    # −100, −100 + 110/1.1 = 0
    assert [f.amount for f in discounted] == [D(-100), D(0)]


def test_difference_is_the_alternative_minus_the_status_quo() -> None:
    status_quo = eur(0, -500, -500, -500)  # time and material each year
    agreement = eur(-600, -200, -200, -200)  # a set-up fee, then the service fee
    diff = difference(agreement, status_quo)
    # −600 − 0, −200 + 500, …: −600, 300, 300, 300
    assert [f.amount for f in diff] == [-600, 300, 300, 300]
    # IRR of the difference: −600 + 300 a(3) = 0 → a(3) = 2 → r = 23.3752 % (numpy-financial)
    result = irr(diff)
    assert result.value is not None
    assert abs(float(result.value) - npf.irr([-600, 300, 300, 300])) < 1e-9


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(InvalidInput, match="currency"):
        difference(eur(-100, 50), Flows.of([D(-1000)], "SEK"))


def test_mixed_period_lengths_are_refused() -> None:
    with pytest.raises(InvalidInput, match="length"):
        difference(eur(-100, 50), eur(-100, 50, length=PeriodLength.MONTH))


def test_mixed_currencies_are_converted_with_an_explicit_rate_table() -> None:
    rates = Rates({"SEK": [(date(2026, 1, 1), 0.088)]}, company="EUR")
    sek = Flows.of([D(-1000), D("333.33")], "SEK")
    # 1000 SEK × 0.088 = 88.00 EUR; 333.33 × 0.088 = 29.33304 → 29.33 EUR
    assert [f.amount for f in converted(sek, "EUR", rates, date(2026, 6, 1))] == [
        D(-88),
        D("29.33"),
    ]
    diff = difference(eur(-100, 50), sek, rates=rates, on=date(2026, 6, 1))
    # −100 − (−88) = −12; 50 − 29.33 = 20.67
    assert diff.currency == "EUR"
    assert [f.amount for f in diff] == [D(-12), D("20.67")]
    with pytest.raises(InvalidInput, match="on"):
        difference(eur(-100, 50), sek, rates=rates)


def test_a_currency_without_a_rate_is_never_converted_one_to_one() -> None:
    rates = Rates({"SEK": [(date(2026, 1, 1), 0.088)]}, company="EUR")
    with pytest.raises(InvalidInput, match="currency: no exchange rate from USD"):
        converted(Flows.of([D(10)], "USD"), "EUR", rates, date(2026, 6, 1))


def test_irr_of_borrowing_first() -> None:
    # receive 100 now, pay back 110 in a year: 110 / (1 + r) = 100 → r = 10 %
    result = irr(eur(100, -110))
    assert result.value is not None and abs(result.value - D("0.1")) < TINY


@pytest.mark.parametrize(("r1", "r2"), [(0.05, 0.3), (-0.2, 0.1), (0.01, 0.02)])
def test_irr_finds_both_roots_of_a_quadratic_built_from_them(r1: float, r2: float) -> None:
    # −(1 − (1 + r1)x)(1 − (1 + r2)x) in x = 1/(1 + r) has roots exactly at r1 and r2:
    # coefficients −1, (2 + r1 + r2), −(1 + r1)(1 + r2)  (scaled by 1,000,000 to whole cents)
    b1, b2 = D(str(r1)), D(str(r2))
    amounts = [D(-1_000_000), (2 + b1 + b2) * 1_000_000, -(1 + b1) * (1 + b2) * 1_000_000]
    result = irr(eur(*amounts))
    assert result.several and result.value is None
    assert [round(float(r), 9) for r in result.roots] == [r1, r2]


def test_irr_of_ten_years_monthly_with_a_cost_at_the_end_has_two_roots() -> None:
    # pay 1000, receive 20 a month for 120 months, pay 1000 to dismantle in month 121:
    # NPV(0) = −1000 + 2400 − 1000 = +400, negative at −100 % and at very high rates → 2 roots
    amounts = [-1000] + [20] * 120 + [-1000]
    result = irr(eur(*amounts, length=PeriodLength.MONTH))
    assert result.several and len(result.roots) == 2
    low, high = (float(r) for r in result.roots)
    assert low < 0 < high
    # each is a root by numpy-financial's NPV
    for rate in (low, high):
        assert abs(npf.npv(rate, amounts)) < 1e-6
    assert npf.npv(0.0, amounts) == pytest.approx(400)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 10**5), st.integers(1, 40))
def test_simple_payback_of_an_annuity_is_outlay_over_the_flow(
    outlay: int, flow: int, periods: int
) -> None:
    result = payback(eur(-outlay, *[flow] * periods))
    # closed form: the cumulative −I + A t is zero at t = I / A (linear within every period)
    if D(outlay) / D(flow) <= periods:
        assert result.periods is not None
        assert abs(result.periods - D(outlay) / D(flow)) < TINY
    else:
        assert result.periods is None


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 10**5), st.integers(1, 40), st.integers(1, 3000))
def test_discounted_payback_of_an_annuity_by_the_closed_form(
    outlay: int, flow: int, periods: int, basis: int
) -> None:
    rate = basis / 10_000
    result = payback(eur(-outlay, *[flow] * periods), D(basis) / 10_000)
    # −I + A a(n) turns ≥ 0 first at the smallest n with a(n) ≥ I / A; within that period the
    # time is n − 1 + (I − A a(n − 1)) / (A / (1 + r)^n)
    crossing = next((n for n in range(1, periods + 1) if flow * annuity(rate, n) >= outlay), None)
    if crossing is None:
        assert result.periods is None
        return
    expected = (
        crossing
        - 1
        + (outlay - flow * annuity(rate, crossing - 1)) / (flow / (1 + rate) ** crossing)
    )
    assert result.periods is not None
    assert float(result.periods) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_irr_finds_a_root_near_minus_100_percent_after_many_periods() -> None:
    # nothing for 40 periods, then 4, −5.4, 1.1: x^40 (1.1x² − 5.4x + 4) with x = 1/(1 + r);
    # 1.1x² − 5.4x + 4 = 0 → x = (5.4 ± √(29.16 − 17.6)) / 2.2 = (5.4 ± 3.4) / 2.2 = 4 or 1/1.1
    # → r = 1/4 − 1 = −75 % and r = 1.1 − 1 = 10 %
    flows = Flows.at([(40, D(4)), (41, D("-5.4")), (42, D("1.1"))], "EUR")
    result = irr(flows)
    assert result.several
    assert [round(float(r), 12) for r in result.roots] == [-0.75, 0.1]
    # one root only: pay 1 now, get 0.25^40 back after 40 periods → (1 + r)^40 = 0.25^40, −75 %
    single = irr(Flows.at([(0, D(-1)), (40, D("0.25") ** 40)], "EUR"))
    assert single.value is not None and abs(single.value - D("-0.75")) < TINY
