"""Standard price formulas: budget range and fixed offer, by hand."""

from decimal import Decimal as D

import pytest

from servitize.core.errors import InvalidInput
from servitize.offers.formulas import Formula, Inputs, budget_price, fixed_price

FORMULA = Formula(
    base_by_size_cents={"S": 15_000, "M": 25_000},
    hourly_cents=D(12),  # 0.12 per operating hour
    volume_steps={5: D(5), 10: D(10)},
    term_steps={36: D(4), 60: D(8)},
    region_factors={"NO": D("1.15")},
)


def test_the_fixed_offer_is_computed_from_its_parameters():
    p = fixed_price(FORMULA, Inputs(12, "M", D(6000), "NO", 36))
    # per machine 250.00 + 0.12 × 6,000 / 12 = 310.00; × 12 machines = 3,720.00
    # − 10 % volume = 3,348.00; × 1.15 = 3,850.20; − 4 % term = 3,696.192 → 3,696.19
    assert (p.per_machine_cents, p.monthly_cents) == (31_000, 369_619)
    assert p.contract_value_cents(36) == 369_619 * 36


def test_the_budget_offer_is_a_range_in_whole_units():
    b = budget_price(FORMULA, Inputs(12, "M", D(6000), "NO", 36))
    # 3,696.19 ± 15 %: 3,141.76 → 3,142; 4,250.62 → 4,251
    assert (b.low_cents, b.high_cents) == (314_200, 425_100)


def test_unknown_parameters_name_the_field():
    with pytest.raises(InvalidInput, match="size class"):
        fixed_price(FORMULA, Inputs(1, "XL"))
    with pytest.raises(InvalidInput, match="machines"):
        fixed_price(FORMULA, Inputs(0, "S"))
