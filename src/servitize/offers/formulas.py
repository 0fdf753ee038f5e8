"""Standard price formulas: a budget price at once, a fixed offer computed, never typed. No I/O.

A formula prices a standard solution component from a few parameters the seller knows early:
how many machines, their size class, the yearly operating hours, the region and the term. The
same formula gives the preliminary **budget offer** (an indicative range, ± the formula's
spread) and, once the parameters are confirmed, the **fixed offer** (one number).

    per machine = base of the size class + hourly rate × operating hours a year / 12
    monthly     = per machine × machines × (1 − volume discount) × region factor × (1 − term discount)

where the volume discount is the highest step the machine count reaches and the term discount
the highest step the term (in months) reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from servitize.core.errors import InvalidInput
from servitize.kit.money import whole_cents as cents


@dataclass(frozen=True)
class Formula:
    """The parameters of one standard price formula (amounts in cents per month)."""

    base_by_size_cents: Mapping[str, int]  # size class -> monthly base per machine
    hourly_cents: Decimal = Decimal(0)  # per operating hour (spread over the year's months)
    volume_steps: Mapping[int, Decimal] = field(default_factory=dict)  # machines >= k: pct off
    term_steps: Mapping[int, Decimal] = field(default_factory=dict)  # months >= k: pct off
    region_factors: Mapping[str, Decimal] = field(default_factory=dict)
    budget_spread_pct: Decimal = Decimal(15)


@dataclass(frozen=True)
class Inputs:
    """What the seller enters."""

    machines: int
    size_class: str
    operating_hours_per_year: Decimal = Decimal(0)
    region: str | None = None
    term_months: int = 36


@dataclass(frozen=True)
class Price:
    """A computed monthly price and the steps that led to it (shown on the quote)."""

    monthly_cents: int
    per_machine_cents: int
    volume_discount_pct: Decimal
    term_discount_pct: Decimal
    region_factor: Decimal

    def contract_value_cents(self, term_months: int) -> int:
        return self.monthly_cents * term_months


@dataclass(frozen=True)
class Budget:
    """The preliminary budget offer: an indicative range around the computed price."""

    low_cents: int
    high_cents: int
    price: Price


def _step(steps: Mapping[int, Decimal], value: int) -> Decimal:
    reached = [pct for k, pct in steps.items() if value >= k]
    return max(reached, default=Decimal(0))


def fixed_price(formula: Formula, inputs: Inputs) -> Price:
    """The fixed offer's monthly price."""
    if inputs.machines <= 0:
        raise InvalidInput(f"machines must be at least 1 (got {inputs.machines})")
    if inputs.operating_hours_per_year < 0 or inputs.operating_hours_per_year > 8784:
        raise InvalidInput(
            "operating_hours_per_year must lie between 0 and 8,784 "
            f"(got {inputs.operating_hours_per_year})"
        )
    if inputs.term_months <= 0:
        raise InvalidInput(f"term_months must be positive (got {inputs.term_months})")
    if inputs.size_class not in formula.base_by_size_cents:
        raise InvalidInput(
            f"unknown size class {inputs.size_class!r}; one of: "
            + ", ".join(sorted(formula.base_by_size_cents))
        )
    per_machine = formula.base_by_size_cents[inputs.size_class] + (
        formula.hourly_cents * inputs.operating_hours_per_year / 12
    )
    volume = _step(formula.volume_steps, inputs.machines)
    term = _step(formula.term_steps, inputs.term_months)
    region = formula.region_factors.get(inputs.region, Decimal(1)) if inputs.region else Decimal(1)
    monthly = per_machine * inputs.machines * (1 - volume / 100) * region * (1 - term / 100)
    return Price(cents(monthly), cents(per_machine), volume, term, region)


def budget_price(formula: Formula, inputs: Inputs) -> Budget:
    """The budget offer: the fixed price ± the formula's spread, rounded to whole currency units
    (a budget is indicative; it never shows cents)."""
    price = fixed_price(formula, inputs)
    spread = formula.budget_spread_pct / 100
    low = cents(price.monthly_cents * (1 - spread) / 100) * 100
    high = cents(price.monthly_cents * (1 + spread) / 100) * 100
    return Budget(low, high, price)
