"""The measures' arithmetic, against numbers worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from servitize.kpis import rules
from servitize.kpis.rules import Rate, Sale, SpendRow, TouchRow

D = date


def test_the_region_s_own_newest_rate_comes_first() -> None:
    rates = [
        Rate("account_owner", None, D(2025, 1, 1), 9000),
        Rate("account_owner", None, D(2026, 1, 1), 9500),
        Rate("account_owner", "North", D(2025, 6, 1), 11000),
        Rate("technician", None, D(2025, 1, 1), 6000),
    ]
    assert rules.rate_for(rates, "account_owner", "North", D(2026, 3, 1)).cents_per_hour == 11000
    assert rules.rate_for(rates, "account_owner", "South", D(2026, 3, 1)).cents_per_hour == 9500
    assert rules.rate_for(rates, "account_owner", "South", D(2025, 3, 1)).cents_per_hour == 9000
    # North's own rate starts in June 2025: before it, the rate for every region.
    assert rules.rate_for(rates, "account_owner", "North", D(2025, 5, 31)).cents_per_hour == 9000
    assert rules.rate_for(rates, "technician", None, D(2024, 12, 31)) is None
    assert rules.rate_for(rates, "analyst", None, D(2026, 1, 1)) is None


def test_effort_is_hours_times_rate_rounded_half_up() -> None:
    # 2.5 h × 95.00 = 237.50; 0.33 h × 100.01 = 33.0033 → 33.00
    assert rules.effort_cents(Decimal("2.5"), 9500) == 23750
    assert rules.effort_cents(Decimal("0.33"), 10001) == 3300
    # 0.5 h × 0.01 = 0.005 → half up to 0.01
    assert rules.effort_cents(Decimal("0.5"), 1) == 1


def test_default_hours_follow_the_template() -> None:
    assert rules.default_hours("activity", "layout_codesign", "onstage") == Decimal(16)
    assert rules.default_hours("activity", "unknown_code", "backstage") == Decimal(4)
    assert rules.default_hours("activity") == Decimal(2)
    assert rules.default_hours("visit") == Decimal(1)
    assert rules.default_hours("lead") == Decimal("0.5")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("first", [Fraction(1), Fraction(0), Fraction(0)]),
        ("last", [Fraction(0), Fraction(0), Fraction(1)]),
        ("linear", [Fraction(1, 3)] * 3),
    ],
)
def test_credit_of_three_touches(rule: rules.AttributionRule, expected: list[Fraction]) -> None:
    assert rules.credit(3, rule) == expected


def test_split_adds_up_to_the_cent() -> None:
    # 100 cents in thirds: 33.33 each, the one left over to the first
    assert rules.split_cents(100, [Fraction(1, 3)] * 3) == [34, 33, 33]
    # 1000 in 1:3 = 250, 750
    assert rules.split_cents(1000, [Fraction(1), Fraction(3)]) == [250, 750]
    assert rules.split_cents(500, [Fraction(0), Fraction(0)]) == [0, 0]


def _two_acquisitions() -> tuple[list[SpendRow], list[TouchRow], dict[int, tuple]]:
    """Account 1 is touched by the fair (Feb) then the mailing (Mar), and buys in April;
    account 2 is touched by the mailing only (Mar) and buys in May. Fair 9,000.00, mailing
    3,000.00; a webinar (1,200.00) touched account 3, which bought nothing."""
    spends = [
        SpendRow(10, "trade_fair", "sales_rep", D(2026, 2, 1), D(2026, 2, 3), 900000),
        SpendRow(11, "campaign", "web", D(2026, 3, 1), D(2026, 3, 31), 300000),
        SpendRow(12, "campaign", "web", D(2026, 3, 1), D(2026, 3, 31), 120000),
        SpendRow(13, "commission", "dealer", D(2026, 4, 1), D(2026, 4, 1), 50000, 1),
    ]
    touches = [
        TouchRow(10, 1, D(2026, 2, 2), 1),
        TouchRow(11, 1, D(2026, 3, 5), 2),
        TouchRow(11, 2, D(2026, 3, 5), 3),
        TouchRow(12, 3, D(2026, 3, 6), 4),
        TouchRow(11, 2, D(2026, 6, 1), 5),  # after account 2 bought: no credit
    ]
    windows = {0: (1, None, D(2026, 4, 10)), 1: (2, None, D(2026, 5, 2))}
    return spends, touches, windows


def test_first_touch_gives_account_1_the_fair_and_account_2_the_mailing() -> None:
    spends, touches, windows = _two_acquisitions()
    attributed, unattributed = rules.attribute(spends, touches, windows, "first")
    # account 1's first touch is the fair (9,000.00); the mailing earned credit only at
    # account 2, so all its 3,000.00 go there. The webinar converted nobody.
    assert attributed == {0: 900000, 1: 300000}
    assert unattributed == {12: 120000}


def test_last_touch_gives_the_mailing_to_both() -> None:
    spends, touches, windows = _two_acquisitions()
    attributed, unattributed = rules.attribute(spends, touches, windows, "last")
    # the mailing was the last touch of both: 3,000.00 split 1:1 = 1,500.00 each; the fair
    # earned no credit (it was first, not last): unattributed.
    assert attributed == {0: 150000, 1: 150000}
    assert unattributed == {10: 900000, 12: 120000}


def test_linear_splits_by_the_credit_earned() -> None:
    spends, touches, windows = _two_acquisitions()
    attributed, _ = rules.attribute(spends, touches, windows, "linear")
    # account 1: fair ½, mailing ½; account 2: mailing 1. The fair's 9,000.00 all to account 1.
    # The mailing's 3,000.00 split ½ : 1 → 1,000.00 and 2,000.00.
    assert attributed == {0: 900000 + 100000, 1: 200000}


def test_a_customer_and_a_new_stream_are_counted_apart() -> None:
    sales = [
        Sale(1, D(2025, 3, 1), "machines", "order", 1, "sales_rep"),
        Sale(1, D(2025, 3, 1), "service", "order", 2, "sales_rep"),  # same day: same acquisition
        Sale(1, D(2025, 9, 1), "machines", "order", 3, "sales_rep"),  # a repeat: nothing new
        Sale(1, D(2026, 2, 1), "availability", "contract", 7, "technician"),  # a new stream
        Sale(2, D(2026, 1, 5), "subscription", "contract", 8, "web"),
    ]
    acqs = rules.acquisitions(sales)
    assert [(a.kind, a.sale.account_id, a.sale.stream, a.after) for a in acqs] == [
        ("customer", 1, "machines", None),
        ("customer", 2, "subscription", None),
        ("stream", 1, "availability", D(2025, 3, 1)),
    ]


def test_cac_says_why_when_it_cannot_be_computed() -> None:
    g = rules.CacGroup("web", acquisitions=2)
    fig = rules.cac_figure(g, False, "2026", "EUR")
    assert fig.value is None and fig.reason == "no effort or spend recorded"
    g.uncosted_hours = Decimal("3.5")
    g.direct_cents = 1000
    assert "3.5 h of effort have no cost rate" in rules.cac_figure(g, False, "2026", "EUR").reason
    assert rules.cac_figure(rules.CacGroup("x"), True, "2026", "EUR").reason == (
        "no acquisition in the period"
    )
    # 3 acquisitions that cost 1,000.00 in all: 333.333… → 333.33
    g = rules.CacGroup("web", acquisitions=3, direct_cents=100000, loaded_cents=100001)
    assert rules.cac_figure(g, False, "2026", "EUR").value == Decimal(33333)
    # 100,001 / 3 = 33,333.67 → 33,334 cents
    assert rules.cac_figure(g, True, "2026", "EUR").value == Decimal(33334)


def test_payback_months() -> None:
    # CAC 12,000.00 recovered at 1,500.00 margin a month: 8.0 months; at 700.00: 17.14 → 17.1
    assert rules.payback_months(1200000, 150000) == Decimal("8.0")
    assert rules.payback_months(1200000, 70000) == Decimal("17.1")
    assert rules.payback_months(1200000, 0) is None


# Four accounts over three months (cents):
#   a: 100 100 100   b: 200 0 0   c: 100 150 150   d: 0 50 50 (new in Feb)
SERIES = {
    "a": {"2026-01": 10000, "2026-02": 10000, "2026-03": 10000},
    "b": {"2026-01": 20000, "2026-02": 0, "2026-03": 0},
    "c": {"2026-01": 10000, "2026-02": 15000, "2026-03": 15000},
    "d": {"2026-01": 0, "2026-02": 5000, "2026-03": 5000},
}


def test_net_revenue_retention_by_hand() -> None:
    # start customers a, b, c pay 400.00 in Jan; in Mar they pay 100 + 0 + 150 = 250.00 → 62.5 %
    assert rules.net_revenue_retention(SERIES, "2026-01", "2026-03").value == Decimal("62.5")


def test_logo_and_revenue_churn_by_hand() -> None:
    # of a, b, c, only b stopped: 1 / 3 = 33.3 %
    assert rules.logo_churn(SERIES, "2026-01", "2026-03").value == Decimal("33.3")
    # lost or contracted: b's 200.00 (c grew, which churn does not offset): 200 / 400 = 50 %
    assert rules.revenue_churn(SERIES, "2026-01", "2026-03").value == Decimal("50.0")
    empty = rules.net_revenue_retention(SERIES, "2025-12", "2026-03")
    assert empty.value is None and "no recurring revenue in 2025-12" in empty.reason


def test_cohort_curves_by_hand() -> None:
    months = ["2026-01", "2026-02", "2026-03"]
    got = rules.cohorts(SERIES, months, min_size=3)
    jan = got[0]
    # January cohort a, b, c: all three pay in Jan, two in Feb and Mar (b stopped)
    assert jan.month == "2026-01" and jan.size == 3
    assert jan.logo_pct == [Decimal("100.0"), Decimal("66.7"), Decimal("66.7")]
    # revenue: 400 → 250 → 250 = 100 %, 62.5 %, 62.5 %
    assert jan.revenue_pct == [Decimal("100.0"), Decimal("62.5"), Decimal("62.5")]
    # February cohort (d alone) is too small to draw
    assert got[1].month == "2026-02" and got[1].size == 1 and got[1].reason


def test_constant_retention_multiple_by_hand() -> None:
    # m = 100.00, r = 0.9, no discount, 3 months: 100 + 90 + 81 = 271.00
    assert rules.clv_constant_retention(10000, Decimal("0.9"), Decimal(0), 3) == 27100
    # with 10 % a month: 100/1.1 + 90/1.21 + 81/1.331 = 90.909 + 74.380 + 60.856 = 226.15
    assert rules.clv_constant_retention(10000, Decimal("0.9"), Decimal("0.1"), 3) == 22615


def test_first_time_fixes() -> None:
    # machine 1: repairs on 1 Jan and 20 Jan (19 days: the first was not fixed), then 1 Apr;
    # machine 2: one repair. 3 of 4 fixed the first time.
    repairs = [(1, D(2026, 1, 1)), (1, D(2026, 1, 20)), (1, D(2026, 4, 1)), (2, D(2026, 2, 1))]
    assert rules.first_time_fixes(repairs, 30) == (3, 4)


def test_buckets() -> None:
    assert rules.bucket(D(2026, 5, 17), "month") == "2026-05"
    assert rules.bucket(D(2026, 5, 17), "quarter") == "2026-Q2"
    assert rules.bucket(D(2026, 5, 17), "year") == "2026"
