"""The four clause kinds; every amount worked out by hand in the comments."""

from decimal import Decimal as D

import pytest

from servitize.contracts.clauses import (
    Bonus,
    Combined,
    Linear,
    LiquidatedDamages,
    clause_from,
)
from servitize.contracts.rules import Bands
from servitize.core.errors import InvalidInput

FEE = 1_000_000  # 10,000.00 a month


def test_linear_penalty_is_proportional_to_the_shortfall():
    clause = Linear(D("98"), D("5"), D("30"), floor_pct=D("90"))
    # 97.2 %: 0.8 points × 5 % = 4 % of 10,000.00 = 400.00 credited
    s = clause.settle(97.2, FEE)
    assert (s.band, s.fee_pct, s.amount_cents) == ("penalty", -4.0, -40_000)
    # 92 %: 6 points × 5 % = 30 % = the cap → 3,000.00
    assert clause.settle(92.0, FEE).amount_cents == -300_000
    # 91 %: 7 × 5 = 35 % capped at 30 %
    assert clause.settle(91.0, FEE).amount_cents == -300_000
    # below the floor: the payment factor is zero — the whole fee, whatever the cap
    s = clause.settle(89.99, FEE)
    assert (s.band, s.amount_cents) == ("below_floor", -FEE)
    assert clause.settle(98.0, FEE).amount_cents == 0
    assert clause.settle(None, FEE).band == "unknown"


def test_bonus_is_proportional_above_target_and_capped():
    clause = Bonus(D("98"), D("2.5"), D("5"))
    # 99.1 %: 1.1 points × 2.5 % = 2.75 % of 10,000.00 = 275.00
    assert clause.settle(99.1, FEE).amount_cents == 27_500
    # 100 %: 2 × 2.5 = 5 % = cap
    assert clause.settle(100.0, FEE).amount_cents == 50_000
    assert clause.settle(97.0, FEE).amount_cents == 0


def test_liquidated_damages_per_hour_of_shortfall():
    clause = LiquidatedDamages(D("98"), per_hour_cents=25_000, cap_cents=400_000)
    # 720 scheduled hours, 96.5 %: 1.5 points of 720 h = 10.8 h × 250.00 = 2,700.00
    s = clause.settle(96.5, FEE, scheduled_hours=720)
    assert s.amount_cents == -270_000
    assert s.band == "damages"
    # 90 %: 8 points of 720 h = 57.6 h × 250 = 14,400.00 → capped at 4,000.00
    assert clause.settle(90.0, FEE, scheduled_hours=720).amount_cents == -400_000


def test_a_combined_clause_pays_a_penalty_or_a_bonus_never_both():
    clause = Combined(Linear(D(98), D(5), D(30)), Bonus(D(98), D(2), D(4)))
    assert clause.settle(97.0, FEE).amount_cents == -50_000  # 1 point × 5 %
    assert clause.settle(99.5, FEE).amount_cents == 30_000  # 1.5 × 2 % = 3 %


def test_clauses_read_in_words():
    words = Linear(D("98"), D("5"), D("30"), D("90")).words("EUR")
    assert words == (
        "Availability target 98 %. For each point of availability below target, 5 % of the "
        "monthly fee is credited (in proportion for part of a point), at most 30 %. "
        "Below 90 % availability no fee is due for the month."
    )
    assert "250.00 EUR" in LiquidatedDamages(D(98), 25_000, 400_000).words("EUR")


def test_stored_clauses_come_back_with_their_parameters():
    clause = clause_from(
        "steps", {"target_pct": 98, "penalty_pct_per_step": 2, "penalty_cap_pct": 10}
    )
    assert clause.bands == Bands(98.0, 2.0, 0.5, 10.0, 0.0, 0.5, 0.0)  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="cap_pct"):
        clause_from("linear", {"target_pct": 98, "pct_per_point": 5})
    with pytest.raises(InvalidInput, match="unknown clause kind"):
        clause_from("gentle", {})
    with pytest.raises(InvalidInput, match="floor_pct"):
        Linear(D(98), D(5), D(30), floor_pct=D(99))
