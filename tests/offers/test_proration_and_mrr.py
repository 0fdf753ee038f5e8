"""Proration by day, notice, and the MRR bridge; numbers by hand."""

from datetime import date

import pytest

from servitize.core.errors import InvalidInput
from servitize.offers.mrr import movements
from servitize.offers.proration import Span, add_months, amend, month_span, notice_end, prorate


def test_a_partial_month_pays_its_days():
    april = month_span("2026-04")  # 30 days
    # active from 2026-04-11: 20 of 30 days of 90.00 = 60.00
    assert prorate(9_000, april, Span(date(2026, 4, 11), date(2027, 1, 1))) == 6_000
    # February 2028 has 29 days: 14 days of 100.00 = 48.275… → 48.28
    assert (
        prorate(10_000, month_span("2028-02"), Span(date(2028, 2, 16), date(2028, 3, 1))) == 4_828
    )


def test_an_upgrade_credits_the_old_fee_and_charges_the_new_for_the_rest_of_the_month():
    # 31-day March, change on the 22nd: 10 days left. Old 62.00 → −20.00, new 93.00 → +30.00
    a = amend(6_200, 9_300, month_span("2026-03"), date(2026, 3, 22))
    assert (a.credit_cents, a.charge_cents, a.net_cents) == (-2_000, 3_000, 1_000)
    with pytest.raises(InvalidInput, match="outside"):
        amend(1, 2, month_span("2026-03"), date(2026, 4, 1))


def test_notice_never_ends_before_the_minimum_term():
    assert notice_end(date(2026, 5, 10), 3, date(2026, 12, 31)) == date(2026, 12, 31)
    assert notice_end(date(2027, 5, 10), 3, date(2026, 12, 31)) == date(2027, 8, 10)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_bad_periods_are_refused():
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        month_span("2026-13")


def test_the_mrr_bridge_adds_up_every_month():
    mrr = {
        "A": {"2026-01": 100, "2026-02": 150, "2026-03": 150},  # expansion in Feb
        "B": {"2026-01": 200, "2026-02": 120},  # contraction Feb, churn Mar
        "C": {"2026-02": 80},  # new Feb, churn Mar
        "D": {"2025-11": 50, "2026-03": 70},  # paid before, reactivates in Mar
    }
    jan, feb, mar = movements(mrr, ["2026-01", "2026-02", "2026-03"])
    assert jan.closing_cents == 300
    assert (feb.opening_cents, feb.new_cents, feb.expansion_cents, feb.contraction_cents) == (
        300,
        80,
        50,
        -80,
    )
    assert feb.closing_cents == 350
    assert (mar.churn_cents, mar.reactivation_cents, mar.closing_cents) == (-200, 70, 220)
    for m in (feb, mar):
        assert (
            m.opening_cents
            + m.new_cents
            + m.expansion_cents
            + m.contraction_cents
            + (m.churn_cents + m.reactivation_cents)
            == m.closing_cents
        )
    assert mar.arr_cents == 2_640
