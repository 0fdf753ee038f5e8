"""Standard price formulas: budget range and fixed offer, by hand."""

from decimal import Decimal as D

import pytest

from servitize.core.errors import InvalidInput
from servitize.offers.formulas import (
    Formula,
    Inputs,
    budget_in_words,
    budget_price,
    evidence,
    fixed_price,
    formula_from,
    formula_of,
    inputs_of,
    parameters_in_words,
    steps_in_words,
)

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


# ---------------------------------------------------------------- as the catalogue stores it


STORED = {
    "base_by_size_cents": {"S": 15_000, "M": 25_000},
    "hourly_cents": "12",
    "volume_steps": {"5": "5", "10": "10"},
    "term_steps": {"36": "4", "60": "8"},
    "region_factors": {"NO": "1.15"},
}


def test_a_stored_formula_reads_back_as_the_same_formula():
    assert formula_from(STORED) == FORMULA  # the spread defaults to 15 %
    assert formula_of({"period": "month"}) is None
    with pytest.raises(InvalidInput, match="base_by_size_cents"):
        formula_from({"hourly_cents": "1"})
    with pytest.raises(InvalidInput, match="budget_spread_pct"):
        formula_from(STORED | {"budget_spread_pct": "120"})


def test_the_evidence_says_every_step_in_words():
    inputs = Inputs(12, "M", D(6000), "NO", 36)
    e = evidence(FORMULA, inputs, fixed_price(FORMULA, inputs))
    assert (e["per_machine_cents"], e["monthly_cents"]) == (31_000, 369_619)
    assert (e["budget_low_cents"], e["budget_high_cents"]) == (314_200, 425_100)
    assert inputs_of(e) == inputs  # priced again from what the line keeps
    assert parameters_in_words(e) == (
        "12 machines, size M, 6,000 operating hours a year, region NO, 36 months"
    )
    assert steps_in_words(e, "EUR") == (
        "per machine 250.00 EUR + 0.12 EUR × 6,000 h / 12 = 310.00 EUR; × 12; − 10 % volume; "
        "× 1.15 region; − 4 % term = 3,696.19 EUR / month"
    )
    assert budget_in_words(e, "EUR") == "budget 3,142 – 4,251 EUR / month (± 15 %, indicative)"


def test_a_small_order_without_steps_is_the_base_alone():
    inputs = Inputs(1, "S", D(0), None, 12)
    e = evidence(FORMULA, inputs, fixed_price(FORMULA, inputs))
    # 150.00 a machine, no volume, region or term step; budget 127.50 → 128, 172.50 → 172
    # (half to even on whole units)
    assert e["monthly_cents"] == 15_000
    assert steps_in_words(e, "EUR") == "per machine 150.00 EUR; × 1 = 150.00 EUR / month"
    assert parameters_in_words(e) == "1 machine, size S, 0 operating hours a year, 12 months"
    assert (e["budget_low_cents"], e["budget_high_cents"]) == (12_800, 17_200)
