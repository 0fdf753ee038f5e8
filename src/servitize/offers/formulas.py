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
from typing import Any

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


# ---------------------------------------------------------------- stored in the catalogue


def _decimal(value: object, field_name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(f"formula {field_name}: not a number: {value!r}") from None


def formula_from(data: Mapping[str, Any]) -> Formula:
    """A formula as the catalogue stores it in an offering's price terms (``terms["formula"]``):
    amounts in cents, percentages and factors as text::

        {"base_by_size_cents": {"S": 15000, "M": 25000}, "hourly_cents": "12",
         "volume_steps": {"5": "5", "10": "10"}, "term_steps": {"36": "4"},
         "region_factors": {"NO": "1.15"}, "budget_spread_pct": "15"}
    """
    bases = data.get("base_by_size_cents") or {}
    if not isinstance(bases, Mapping) or not bases:
        raise InvalidInput("formula base_by_size_cents: at least one size class and its base")
    formula = Formula(
        base_by_size_cents={str(k): int(v) for k, v in bases.items()},
        hourly_cents=_decimal(data.get("hourly_cents", 0), "hourly_cents"),
        volume_steps={
            int(k): _decimal(v, "volume_steps") for k, v in (data.get("volume_steps") or {}).items()
        },
        term_steps={
            int(k): _decimal(v, "term_steps") for k, v in (data.get("term_steps") or {}).items()
        },
        region_factors={
            str(k): _decimal(v, "region_factors")
            for k, v in (data.get("region_factors") or {}).items()
        },
        budget_spread_pct=_decimal(data.get("budget_spread_pct", 15), "budget_spread_pct"),
    )
    if min(formula.base_by_size_cents.values()) < 0 or formula.hourly_cents < 0:
        raise InvalidInput("formula: a base or an hourly rate below zero")
    if not 0 <= formula.budget_spread_pct < 100:
        raise InvalidInput("formula budget_spread_pct must lie between 0 and 100")
    return formula


def formula_of(terms: Mapping[str, Any] | None) -> Formula | None:
    """The standard formula in a catalogue item's price terms, if it has one."""
    data = (terms or {}).get("formula")
    return formula_from(data) if isinstance(data, Mapping) else None


# ---------------------------------------------------------------- evidence and words


def _amount(c: int | Decimal, currency: str) -> str:
    return f"{Decimal(c) / 100:,.2f} {currency}"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def evidence(formula: Formula, inputs: Inputs, price: Price) -> dict[str, Any]:
    """What a formula-priced line keeps: the parameters and every step (JSON-safe, exact text)."""
    budget = budget_price(formula, inputs)
    return {
        "machines": inputs.machines,
        "size_class": inputs.size_class,
        "operating_hours_per_year": str(inputs.operating_hours_per_year),
        "region": inputs.region,
        "term_months": inputs.term_months,
        "base_cents": formula.base_by_size_cents[inputs.size_class],
        "hourly_cents": str(formula.hourly_cents),
        "per_machine_cents": price.per_machine_cents,
        "volume_discount_pct": str(price.volume_discount_pct),
        "region_factor": str(price.region_factor),
        "term_discount_pct": str(price.term_discount_pct),
        "monthly_cents": price.monthly_cents,
        "budget_spread_pct": str(formula.budget_spread_pct),
        "budget_low_cents": budget.low_cents,
        "budget_high_cents": budget.high_cents,
    }


def inputs_of(evidence_: Mapping[str, Any]) -> Inputs:
    """The parameters a line was priced with (to price it again, e.g. for the fixed offer)."""
    return Inputs(
        int(evidence_["machines"]),
        str(evidence_["size_class"]),
        Decimal(str(evidence_.get("operating_hours_per_year", 0))),
        evidence_.get("region") or None,
        int(evidence_.get("term_months", 36)),
    )


def parameters_in_words(e: Mapping[str, Any]) -> str:
    """ "12 machines, size M, 6,000 operating hours a year, region NO, 36 months"."""
    hours = Decimal(str(e.get("operating_hours_per_year", 0)))
    parts = [
        f"{e['machines']} machine{'s' if int(e['machines']) != 1 else ''}",
        f"size {e['size_class']}",
        f"{hours:,.0f} operating hours a year",
    ]
    if e.get("region"):
        parts.append(f"region {e['region']}")
    parts.append(f"{e['term_months']} months")
    return ", ".join(parts)


def steps_in_words(e: Mapping[str, Any], currency: str) -> str:
    """How the monthly price was computed, step by step, as the quote shows it."""
    hourly = Decimal(str(e["hourly_cents"]))
    hours = Decimal(str(e.get("operating_hours_per_year", 0)))
    text = f"per machine {_amount(int(e['base_cents']), currency)}"
    if hourly and hours:
        text += f" + {_amount(hourly, currency)} × {hours:,.0f} h / 12"
        text += f" = {_amount(int(e['per_machine_cents']), currency)}"
    text += f"; × {e['machines']}"
    volume, term = Decimal(str(e["volume_discount_pct"])), Decimal(str(e["term_discount_pct"]))
    region = Decimal(str(e["region_factor"]))
    if volume:
        text += f"; − {_pct(volume)} % volume"
    if region != 1:
        text += f"; × {_pct(region)} region"
    if term:
        text += f"; − {_pct(term)} % term"
    return text + f" = {_amount(int(e['monthly_cents']), currency)} / month"


def budget_in_words(e: Mapping[str, Any], currency: str) -> str:
    """ "budget 3,142 – 4,251 EUR / month (± 15 %, indicative)"."""
    low, high = int(e["budget_low_cents"]) // 100, int(e["budget_high_cents"]) // 100
    spread = _pct(Decimal(str(e["budget_spread_pct"])))
    return f"budget {low:,} – {high:,} {currency} / month (± {spread} %, indicative)"
