"""Revenue models: each figure worked out by hand in the comments."""

from decimal import Decimal as D

import pytest

from servitize.core.errors import InvalidInput
from servitize.offers.price_models import (
    Licence,
    OneTime,
    Period,
    Subscription,
    Tier,
    TimeAndMaterial,
    Usage,
    indexed_fee,
    price_in_words,
)


def test_a_yearly_fee_is_a_twelfth_each_month():
    # 1,200.00 a year = 100.00 a month
    assert Subscription(120_000, Period.year).monthly_cents() == 10_000
    # a quarterly 299.99 is 99.996666… a month → 100.00 (half-even to cents)
    assert Subscription(29_999, Period.quarter).monthly_cents() == 10_000


def test_indexation_applies_once_a_year_and_rounds_each_year():
    # 60.00 + 3 % = 61.80; + 3 % = 63.654 → 63.65; + 3 % = 65.5595 → 65.56
    assert [indexed_fee(6_000, D(3), y) for y in range(4)] == [6_000, 6_180, 6_365, 6_556]


def test_a_subscriptions_contract_value_sums_each_years_indexed_fee():
    sub = Subscription(6_000, Period.month, minimum_term_months=36, indexation_pct=D(3))
    # 12 × 60.00 + 12 × 61.80 + 12 × 63.65 = 720 + 741.60 + 763.80 = 2,225.40
    assert sub.contract_value_cents(36) == 222_540
    # a shorter term still pays the minimum term
    assert sub.contract_value_cents(12) == 222_540


def test_graduated_tiers_price_each_unit_at_its_own_tier():
    usage = Usage(
        "kWh",
        (Tier(D(1000), D(20)), Tier(D(5000), D(15)), Tier(None, D(10))),
        included_quantity=D(200),
    )
    # 6,200 kWh − 200 included = 6,000: 1,000 × 0.20 + 4,000 × 0.15 + 1,000 × 0.10 = 900.00
    assert usage.rate(D(6200)) == 90_000
    # inside the included quantity: nothing
    assert usage.rate(D(150)) == 0


def test_volume_tiers_price_every_unit_at_the_tier_reached():
    usage = Usage("h", (Tier(D(100), D(500)), Tier(None, D(400))), graduated=False)
    # 150 h reach the second tier: 150 × 4.00 = 600.00; 80 h: 80 × 5.00 = 400.00
    assert usage.rate(D(150)) == 60_000
    assert usage.rate(D(80)) == 40_000


def test_a_minimum_fee_applies_to_small_usage():
    usage = Usage("units", (Tier(None, D(3)),), minimum_fee_cents=5_000)
    assert usage.rate(D(10)) == 5_000  # 10 × 0.03 = 0.30 < 50.00
    assert usage.rate(D(2_000_000)) == 6_000_000  # 2,000,000 × 0.03 = 60,000.00


def test_time_and_material_adds_roles_rates_region_and_parts():
    tm = TimeAndMaterial({"technician": 9_500, "engineer": 13_000}, {"NO": D("1.2")})
    # (3 h × 95.00 + 1.5 h × 130.00) × 1.2 + 412.50 parts = (285 + 195) × 1.2 + 412.50 = 988.50
    assert tm.price_cents({"technician": D(3), "engineer": D("1.5")}, 41_250, "NO") == 98_850
    with pytest.raises(InvalidInput, match="welder"):
        tm.price_cents({"welder": D(1)})


def test_licences_monthly_or_per_project():
    assert Licence(45_000).contract_value_cents(24) == 45_000 * 24
    assert Licence(900_000, per_project=True).contract_value_cents(24) == 900_000
    assert Licence(900_000, per_project=True).monthly_cents() == 0


def test_bad_prices_name_the_field():
    with pytest.raises(InvalidInput, match="price_cents"):
        OneTime(-1)
    with pytest.raises(InvalidInput, match="rise strictly"):
        Usage("h", (Tier(D(10), D(1)), Tier(D(5), D(1))))
    with pytest.raises(InvalidInput, match="last tier"):
        Usage("h", (Tier(None, D(1)), Tier(D(5), D(1))))
    with pytest.raises(InvalidInput, match="quantity"):
        Usage("h", (Tier(None, D(1)),)).rate(D(-1))


def test_prices_read_as_the_customer_reads_them():
    sub = Subscription(6_000, Period.month, minimum_term_months=36, notice_months=3)
    assert price_in_words(sub, "EUR") == "60.00 EUR / month, 36 months minimum, 3 months' notice"
    assert price_in_words(OneTime(1_250_000), "EUR") == "12,500.00 EUR once"
