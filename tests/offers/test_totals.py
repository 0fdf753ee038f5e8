"""Quote totals per revenue stream; bundles keep each component's model."""

from decimal import Decimal as D

import pytest

from servitize.core.errors import InvalidInput
from servitize.offers.price_models import Licence, OneTime, Period, Subscription, Tier, Usage
from servitize.offers.totals import Bundle, Line, quote_totals


def pumping_as_a_service() -> Bundle:
    return Bundle(
        "Pumping as a service",
        (
            Line("Pump P-200", OneTime(2_400_000)),
            Line("Service agreement", Subscription(360_000, Period.year, minimum_term_months=36)),
            Line(
                "Condition monitoring",
                Subscription(6_000, Period.month, minimum_term_months=36),
                D(2),
            ),
        ),
        discount_pct=D(10),
    )


def test_a_bundle_adds_each_component_under_its_own_model_less_the_bundle_discount():
    t = quote_totals([pumping_as_a_service()], 36)
    # one-time: 24,000 × 0.9 = 21,600.00
    assert t.one_time_cents == 2_160_000
    # monthly: (3,600 / 12 = 300) + 2 × 60 = 420 → × 0.9 = 378.00
    assert t.monthly_recurring_cents == 37_800
    assert t.yearly_recurring_cents == 453_600
    # contract value: 21,600 + 36 × 300 × 0.9 + 36 × 120 × 0.9 = 21,600 + 9,720 + 3,888 = 35,208.00
    assert t.contract_value_cents == 3_520_800


def test_usage_is_an_estimate_kept_apart_from_recurring_fees():
    usage = Usage("h", (Tier(None, D(250)),), expected_monthly_quantity=D(400))
    t = quote_totals([Line("Hours", usage), Line("Twin licence", Licence(45_000))], 12)
    assert t.usage_estimate_monthly_cents == 100_000  # 400 h × 2.50
    assert t.monthly_recurring_cents == 45_000
    assert t.contract_value_cents == 12 * 100_000 + 12 * 45_000


def test_line_and_bundle_discounts_compound():
    # 1,000 − 10 % = 900, − 5 % of that = 855.00
    t = quote_totals([Bundle("b", (Line("x", OneTime(100_000), discount_pct=D(10)),), D(5))], 0)
    assert t.one_time_cents == 85_500


def test_bad_lines_name_the_field():
    with pytest.raises(InvalidInput, match="quantity"):
        Line("x", OneTime(1), D(-1))
    with pytest.raises(InvalidInput, match="discount"):
        Line("x", OneTime(1), discount_pct=D(120))
    with pytest.raises(InvalidInput, match="no components"):
        Bundle("empty", ())
