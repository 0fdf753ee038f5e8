"""The assumptions of a value case: their names, units, bounds and defaults. Pure, no I/O.

Every number a value case computes comes from an assumption named here: entered by the user
(kept with the case), found in the account's records (``savings``), or a default with its source
(settings or servitize's stated default). Money assumptions end in ``_cents`` and are whole cents;
percentages end in ``_pct``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from servitize.core.errors import InvalidInput

# The kinds of assumption: how it is shown and entered.
MONEY, PCT, HOURS, KWH, YEARS, MONTHS = "money", "pct", "hours", "kWh", "years", "months"

MAJOR_FAILURE_HOURS = 24.0  # a repair with at least this much downtime is a major failure
AGE_BAND_YEARS = 5  # failure rates by age in bands of five years
DESIGN_LIFE_YEARS = 20  # a machine's life when the case names none


@dataclass(frozen=True)
class Assumption:
    """One input of the case: name, label, kind and the bounds an entry must keep."""

    name: str
    label: str
    kind: str
    low: float
    high: float
    default_source: str  # where the default comes from, in words
    whole: bool = False  # must be a whole number (years, months, cents)


def _a(name: str, label: str, kind: str, low: float, high: float, source: str) -> Assumption:
    whole = kind in (MONEY, YEARS, MONTHS)
    return Assumption(name, label, kind, low, high, source, whole)


MAX_CENTS = 10**15  # ten trillion in major units: far beyond any case, inside BIGINT
ASSUMPTIONS: tuple[Assumption, ...] = (
    _a("years", "Years compared", YEARS, 1, 40, "the machines' remaining life"),
    _a("design_life_years", "Design life of a machine", YEARS, 1, 60, "servitize's default"),
    _a("history_months", "Months of history read", MONTHS, 12, 36, "servitize's default"),
    _a(
        "downtime_cost_per_hour_cents",
        "Customer's cost of an hour of downtime",
        MONEY,
        0,
        MAX_CENTS,
        "the industry default in settings",
    ),
    _a(
        "downtime_hours_per_year",
        "Unplanned downtime hours a year",
        HOURS,
        0,
        10**7,
        "service history and consented telemetry",
    ),
    _a(
        "downtime_avoided_pct",
        "Share of downtime a service level avoids",
        PCT,
        0,
        100,
        "servitize's default for a full-service level (enter the offering's promise)",
    ),
    _a("energy_kwh_per_year", "Energy a year", KWH, 0, 10**10, "entered by the user"),
    _a(
        "energy_price_cents_per_kwh",
        "Energy price per kWh",
        MONEY,
        0,
        10**6,
        "servitize's default",
    ),
    _a(
        "energy_saving_pct",
        "Energy saving an offering promises",
        PCT,
        0,
        100,
        "servitize's default",
    ),
    _a(
        "tm_spend_cents_per_year",
        "Spare parts and labour paid a year (time and material)",
        MONEY,
        0,
        MAX_CENTS,
        "service history: parts and labour hours × labour rate",
    ),
    _a(
        "labour_rate_cents_per_hour",
        "Labour rate per hour",
        MONEY,
        0,
        10**8,
        "servitize's default",
    ),
    _a(
        "scrap_cost_cents_per_year", "Quality and scrap cost a year", MONEY, 0, MAX_CENTS, "entered"
    ),
    _a(
        "scrap_saving_pct",
        "Share of scrap a service level avoids",
        PCT,
        0,
        100,
        "servitize's default",
    ),
    _a(
        "major_failure_pct_per_year",
        "Probability of a major failure per machine and year",
        PCT,
        0,
        100,
        "the fleet's failure rates by age",
    ),
    _a(
        "major_failure_cost_cents",
        "Cost of a major failure",
        MONEY,
        0,
        MAX_CENTS,
        "the fleet's major failures: parts, labour and downtime",
    ),
    _a("discount_rate_pct", "Customer's discount rate a year", PCT, -99.99, 1000, "settings"),
    _a(
        "supplier_share_pct", "Share of the savings priced to the supplier", PCT, 0, 100, "settings"
    ),
    _a(
        "machine_price_cents",
        "Price of one machine (0: owned already)",
        MONEY,
        0,
        MAX_CENTS,
        "the machines are owned already",
    ),
    _a(
        "setup_cents",
        "One-time set-up of a service (retrofit, connection)",
        MONEY,
        0,
        MAX_CENTS,
        "none unless entered",
    ),
    _a(
        "agreement_fee_cents_per_year",
        "Service agreement fee a year",
        MONEY,
        0,
        MAX_CENTS,
        "the value-based price",
    ),
    _a(
        "subscription_fee_cents_per_year",
        "Subscription fee a year (machines and service)",
        MONEY,
        0,
        MAX_CENTS,
        "the agreement fee plus the machines' price spread over the years",
    ),
    _a(
        "availability_fee_cents_per_year",
        "Availability contract fee a year",
        MONEY,
        0,
        MAX_CENTS,
        "the agreement fee plus 10 %",
    ),
    _a("availability_target_pct", "Availability promised", PCT, 0, 100, "servitize's default"),
    _a(
        "measured_availability_pct",
        "Fleet's measured availability",
        PCT,
        0,
        100,
        "unplanned downtime of the machines over their hours",
    ),
    _a(
        "penalty_pct_per_point",
        "Penalty per point below target (of the fee)",
        PCT,
        0,
        100,
        "servitize's default",
    ),
    _a(
        "bonus_pct_per_point",
        "Bonus per point above target (of the fee)",
        PCT,
        0,
        100,
        "servitize's default",
    ),
    _a(
        "cost_to_serve_cents_per_year",
        "Our cost to serve a year",
        MONEY,
        0,
        MAX_CENTS,
        "the time-and-material spend less the cost-plus markup",
    ),
    _a("cost_plus_markup_pct", "Cost-plus markup", PCT, 0, 1000, "servitize's default"),
    _a(
        "list_price_cents_per_year",
        "List price a year",
        MONEY,
        0,
        MAX_CENTS,
        "the offering's list price × machines",
    ),
)
BY_NAME: dict[str, Assumption] = {a.name: a for a in ASSUMPTIONS}

# Fixed defaults (the ones not from settings nor from the records).
DEFAULTS: dict[str, float] = {
    "design_life_years": DESIGN_LIFE_YEARS,
    "history_months": 36,
    "downtime_avoided_pct": 30.0,
    "energy_price_cents_per_kwh": 20,
    "energy_saving_pct": 5.0,
    "labour_rate_cents_per_hour": 95_00,
    "scrap_saving_pct": 20.0,
    "machine_price_cents": 0,
    "setup_cents": 0,
    "availability_target_pct": 97.0,
    "penalty_pct_per_point": 5.0,
    "bonus_pct_per_point": 2.0,
    "cost_plus_markup_pct": 25.0,
}
# Assumptions that must have a value for the case to be computed (no default of zero).
REQUIRED = ("downtime_cost_per_hour_cents", "discount_rate_pct", "years")
PENALTY_CAP_PCT = 20.0  # the penalty or bonus of a year is at most this share of the fee


def checked(entered: Mapping[str, Any], blank_is_default: bool = False) -> dict[str, float | None]:
    """The entered assumptions checked by name, kind and bounds; InvalidInput names the field.

    None removes an entry (back to the default), except for the assumptions the case cannot do
    without (``REQUIRED``), which must be numbers when sent as None through the API; a page's
    empty field (``blank_is_default``) means the default for every assumption.
    """
    out: dict[str, float | None] = {}
    for name, value in entered.items():
        spec = BY_NAME.get(name)
        if spec is None:
            raise InvalidInput(f"{name}: not an assumption of a value case")
        if value is None:
            if name in REQUIRED and not blank_is_default:
                raise InvalidInput(f"{name}: {spec.label.lower()} is needed; enter a number")
            out[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{name}: {value!r} is not a number")
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidInput(f"{name}: not a finite number")
        if name == "discount_rate_pct" and number <= -100:
            raise InvalidInput(f"{name}: a rate of {number:g} % is not possible (above −100 %)")
        if number < spec.low or number > spec.high:
            raise InvalidInput(
                f"{name}: {number:g} is outside {spec.low:g} to {spec.high:g} ({spec.label.lower()})"
            )
        if spec.whole and number != int(number):
            raise InvalidInput(f"{name}: give a whole number")
        out[name] = int(number) if spec.whole else number
    return out


def remaining_life(ages: list[float], design_life: int) -> int:
    """Years left of the machines' life: design life less their mean age, at least one year."""
    if not ages:
        return design_life
    return max(1, round(design_life - sum(ages) / len(ages)))
