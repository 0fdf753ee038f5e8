"""Savings quantified from the account's own records, each with its evidence and its formula.

Pure: the records arrive as plain data (``Records``, read by ``value.repository``), the
assumptions as numbers by name. A saving whose figures the records do not hold and the user has
not entered is "no data", never zero: it stays out of the cash flows and the case says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from servitize.kit.money import whole_cents
from servitize.value.rules import BY_NAME, DEFAULTS, MAJOR_FAILURE_HOURS, remaining_life


@dataclass(frozen=True)
class FleetBand:
    """The fleet's machines of the case's models in one age band, over the history read."""

    band: int  # 0: younger than AGE_BAND_YEARS, 1: the next band, ...
    machines: int
    major_failures: int
    parts_cents: int
    labour_hours: float
    downtime_hours: float


@dataclass(frozen=True)
class Records:
    """What the account's records say about the case's machines (read by the repository)."""

    machines: int
    ages: list[float]  # years, of the machines whose install date is known
    months: int  # history read
    work_orders: int  # service events of the machines in the history
    # asset id -> (unplanned downtime hours from service history, from consented telemetry
    # records or None where the account shares no telemetry)
    downtime: dict[int, tuple[float, float | None]]
    parts_cents: int
    labour_hours: float
    telemetry_consented: bool
    fleet: list[FleetBand] = field(default_factory=list)
    bands: dict[int, int] = field(default_factory=dict)  # band -> machines of the case
    list_price_cents: int | None = None  # the offering's list price per machine and year
    # Energy metered in consented telemetry over the last year: kWh, the machines that sent it
    # and the days from the first reading to the last (None: no consent or no reading).
    energy_kwh: float | None = None
    energy_machines: int = 0
    energy_days: float = 0.0

    @property
    def years(self) -> float:
        return self.months / 12


@dataclass(frozen=True)
class Value:
    """An assumption's number (None: no data) and where it comes from, in words."""

    number: float | None
    source: str  # "entered", "records", "default"
    evidence: str


def _fmt(x: float) -> str:
    return f"{x:,.1f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _money(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def from_records(records: Records) -> dict[str, Value]:
    """The assumptions the records answer, each with its evidence (None: no data)."""
    out: dict[str, Value] = {}
    span = f"the last {records.months} months"
    if records.work_orders or records.telemetry_consented:
        service = sum(s for s, _t in records.downtime.values())
        telemetry = sum(t or 0.0 for _s, t in records.downtime.values())
        both = sum(max(s, t or 0.0) for s, t in records.downtime.values())
        per_year = both / records.years
        out["downtime_hours_per_year"] = Value(
            round(per_year, 4),
            "records",
            f"{_fmt(service)} h of repairs in {records.work_orders} work orders"
            + (
                f" and {_fmt(telemetry)} h of unplanned stops in consented telemetry"
                if records.telemetry_consented
                else " (no consented telemetry)"
            )
            + f" over {span}; per machine the larger of the two, {_fmt(both)} h"
            f" ÷ {_fmt(records.years)} years",
        )
        hours = records.machines * records.months / 12 * 8760
        out["measured_availability_pct"] = Value(
            round(100 * (1 - both / hours), 4) if hours else None,
            "records",
            f"1 − {_fmt(both)} h down ÷ ({records.machines} machines × "
            f"{_fmt(records.years)} years × 8,760 h)",
        )
    else:
        none = f"no data: no work orders and no consented telemetry for these machines in {span}"
        out["downtime_hours_per_year"] = Value(None, "records", none)
        out["measured_availability_pct"] = Value(None, "records", none)
    if records.energy_kwh is not None and records.energy_days > 0:
        days = min(records.energy_days, 365.25)
        out["energy_kwh_per_year"] = Value(
            round(records.energy_kwh * 365.25 / days, 4),
            "records",
            f"{_fmt(round(records.energy_kwh, 1))} kWh metered in consented telemetry of "
            f"{records.energy_machines} of {records.machines} machines over "
            f"{_fmt(round(days, 1))} days, × 365.25 ÷ {_fmt(round(days, 1))}",
        )
    else:
        out["energy_kwh_per_year"] = Value(
            None, "records", "no data: no energy readings in consented telemetry this year"
        )
    if records.work_orders:
        out["tm_spend_cents_per_year"] = Value(
            None,  # priced with the labour rate in ``resolve``
            "records",
            f"{_money(records.parts_cents)} parts and {_fmt(records.labour_hours)} labour hours "
            f"in {records.work_orders} work orders over {span}",
        )
    else:
        out["tm_spend_cents_per_year"] = Value(
            None, "records", f"no data: no work orders in {span}"
        )
    exposure = sum(b.machines for b in records.fleet) * records.years
    failures = sum(b.major_failures for b in records.fleet)
    if exposure and records.bands:
        rate = {b.band: b.major_failures / (b.machines * records.years) for b in records.fleet}
        expected = sum(rate.get(band, 0.0) * n for band, n in records.bands.items())
        pct = 100 * expected / records.machines if records.machines else 0.0
        listed = "; ".join(
            f"age {b.band * 5}–{b.band * 5 + 5} years: {b.major_failures} in "
            f"{_fmt(b.machines * records.years)} machine-years"
            for b in records.fleet
            if b.band in records.bands
        )
        out["major_failure_pct_per_year"] = Value(
            round(pct, 4),
            "records",
            f"repairs of {_fmt(MAJOR_FAILURE_HOURS)} h or more in the fleet of the same models"
            f" over {span} ({listed or 'no fleet machine of these ages'}), "
            "weighted by the case's machines per age band",
        )
    else:
        out["major_failure_pct_per_year"] = Value(
            None,
            "records",
            f"no data: no fleet machines of these models with a known age in {span}",
        )
    if failures:
        out["major_failure_cost_cents"] = Value(
            None,  # priced in ``resolve`` (labour rate, cost per hour)
            "records",
            f"{failures} major failures in the fleet: parts, labour and downtime on average",
        )
    else:
        out["major_failure_cost_cents"] = Value(
            None, "records", f"no data: no major failure in the fleet over {span}"
        )
    if records.list_price_cents is not None:
        out["list_price_cents_per_year"] = Value(
            records.list_price_cents * records.machines,
            "records",
            f"the offering's list price {_money(records.list_price_cents)} × "
            f"{records.machines} machines",
        )
    else:
        out["list_price_cents_per_year"] = Value(None, "records", "no data: no offering chosen")
    return out


def resolve(
    entered: Mapping[str, float | None],
    records: Records,
    settings_defaults: Mapping[str, float],
) -> dict[str, Value]:
    """Every assumption's number: entered, else from the records, else the default.

    Derived defaults follow their inputs: T&M spend and the cost of a major failure are priced
    with the labour rate (and the cost of downtime), the fees follow the value-based price
    (``pricing.fill_fees``).
    """
    found = from_records(records)
    values: dict[str, Value] = {}

    def put(name: str, number: float | None, source: str, evidence: str) -> None:
        values[name] = Value(number, source, evidence)

    def take(name: str, fallback: Value | None = None) -> None:
        if entered.get(name) is not None:
            put(name, entered[name], "entered", "entered by the user")
        elif fallback is not None:
            values[name] = fallback
        elif name in settings_defaults:
            put(name, settings_defaults[name], "default", BY_NAME[name].default_source)
        elif name in DEFAULTS:
            put(name, DEFAULTS[name], "default", BY_NAME[name].default_source)
        else:
            put(name, None, "default", f"no data: {BY_NAME[name].default_source}")

    for name in (
        "design_life_years",
        "history_months",
        "downtime_cost_per_hour_cents",
        "downtime_avoided_pct",
        "energy_price_cents_per_kwh",
        "energy_saving_pct",
        "labour_rate_cents_per_hour",
        "scrap_cost_cents_per_year",
        "scrap_saving_pct",
        "discount_rate_pct",
        "supplier_share_pct",
        "machine_price_cents",
        "setup_cents",
        "availability_target_pct",
        "penalty_pct_per_point",
        "bonus_pct_per_point",
        "cost_plus_markup_pct",
    ):
        take(name)
    life = int(values["design_life_years"].number or 1)
    remaining = remaining_life(records.ages, life)
    take(
        "years",
        Value(
            remaining,
            "records",
            f"design life {life} years less the machines' mean age"
            + (
                f" {_fmt(round(sum(records.ages) / len(records.ages), 1))} years"
                if records.ages
                else " (no install date known)"
            ),
        ),
    )
    take("downtime_hours_per_year", found["downtime_hours_per_year"])
    energy = found["energy_kwh_per_year"]
    take("energy_kwh_per_year", energy if energy.number is not None else None)
    take("measured_availability_pct", found["measured_availability_pct"])
    rate = values["labour_rate_cents_per_hour"].number or 0.0
    tm = found["tm_spend_cents_per_year"]
    if records.work_orders:
        spend = (records.parts_cents + records.labour_hours * rate) / records.years
        tm = Value(
            whole_cents(Decimal(repr(spend))),
            "records",
            tm.evidence + f"; labour at {_money(rate)} an hour, ÷ {_fmt(records.years)} years",
        )
    take("tm_spend_cents_per_year", tm)
    take("major_failure_pct_per_year", found["major_failure_pct_per_year"])
    cost = found["major_failure_cost_cents"]
    failures = sum(b.major_failures for b in records.fleet)
    per_hour = values["downtime_cost_per_hour_cents"].number
    if failures and per_hour is not None:
        parts = sum(b.parts_cents for b in records.fleet)
        labour = sum(b.labour_hours for b in records.fleet)
        down = sum(b.downtime_hours for b in records.fleet)
        total = parts + labour * rate + down * per_hour
        cost = Value(
            whole_cents(Decimal(repr(total / failures))),
            "records",
            f"{failures} major failures in the fleet: ({_money(parts)} parts + {_fmt(labour)} h"
            f" × {_money(rate)} labour + {_fmt(down)} h down × {_money(per_hour)}) ÷ {failures}",
        )
    take("major_failure_cost_cents", cost)
    take("list_price_cents_per_year", found["list_price_cents_per_year"])
    markup = values["cost_plus_markup_pct"].number or 0.0
    spend_value = values["tm_spend_cents_per_year"].number
    take(
        "cost_to_serve_cents_per_year",
        Value(
            None
            if spend_value is None
            else whole_cents(Decimal(repr(spend_value * 100 / (100 + markup)))),
            "default",
            "the time-and-material spend ÷ (1 + the cost-plus markup)"
            if spend_value is not None
            else "no data: no time-and-material spend to derive it from; enter it",
        ),
    )
    for name in (
        "agreement_fee_cents_per_year",
        "subscription_fee_cents_per_year",
        "availability_fee_cents_per_year",
    ):
        if entered.get(name) is not None:
            put(name, entered[name], "entered", "entered by the user")
    return values


@dataclass(frozen=True)
class Saving:
    """One saving a year: the cost today, the share avoided, the saving, evidence, formula."""

    key: str
    label: str
    cost_cents: int | None  # what it costs the customer a year today (None: no data)
    saving_cents: int | None  # what a service agreement saves a year (None: no data)
    formula: str
    evidence: str


def _c(x: float) -> int:
    return whole_cents(Decimal(repr(x)))


def savings(values: Mapping[str, Value], machines: int) -> list[Saving]:
    """The savings a year of a service agreement, each with its formula in words."""

    def n(name: str) -> float | None:
        return values[name].number

    out: list[Saving] = []
    hours, per_hour, avoided = (
        n("downtime_hours_per_year"),
        n("downtime_cost_per_hour_cents"),
        n("downtime_avoided_pct"),
    )
    if hours is None or per_hour is None or avoided is None:
        out.append(
            Saving(
                "downtime",
                "Unplanned downtime",
                None,
                None,
                "downtime hours a year × cost per hour × share avoided",
                values["downtime_hours_per_year"].evidence,
            )
        )
    else:
        cost = _c(hours * per_hour)
        out.append(
            Saving(
                "downtime",
                "Unplanned downtime",
                cost,
                _c(hours * per_hour * avoided / 100),
                f"{_fmt(hours)} h a year × {_money(per_hour)} an hour × {_fmt(avoided)} % avoided",
                values["downtime_hours_per_year"].evidence,
            )
        )
    kwh, price, saving = (
        n("energy_kwh_per_year"),
        n("energy_price_cents_per_kwh"),
        n("energy_saving_pct"),
    )
    if kwh is None or price is None or saving is None:
        out.append(
            Saving(
                "energy",
                "Energy",
                None,
                None,
                "kWh a year × price per kWh × saving promised",
                "no data: no energy use entered for these machines",
            )
        )
    else:
        out.append(
            Saving(
                "energy",
                "Energy",
                _c(kwh * price),
                _c(kwh * price * saving / 100),
                f"{_fmt(kwh)} kWh a year × {_money(price)} per kWh × {_fmt(saving)} % saved",
                values["energy_kwh_per_year"].evidence,
            )
        )
    tm = n("tm_spend_cents_per_year")
    out.append(
        Saving(
            "time_and_material",
            "Spare parts and labour (time and material)",
            None if tm is None else int(tm),
            None if tm is None else int(tm),
            "parts and labour paid a year, all covered by the agreement's fee"
            if tm is not None
            else "parts and labour paid a year",
            values["tm_spend_cents_per_year"].evidence,
        )
    )
    scrap, scrap_saving = n("scrap_cost_cents_per_year"), n("scrap_saving_pct")
    out.append(
        Saving(
            "scrap",
            "Quality and scrap",
            None if scrap is None else int(scrap),
            None if scrap is None or scrap_saving is None else _c(scrap * scrap_saving / 100),
            "scrap cost a year × share avoided"
            if scrap is None
            else f"{_money(scrap)} a year × {_fmt(scrap_saving or 0)} % avoided",
            "no data: no quality or scrap cost is recorded; enter it"
            if scrap is None
            else values["scrap_cost_cents_per_year"].evidence,
        )
    )
    p, cost_major = n("major_failure_pct_per_year"), n("major_failure_cost_cents")
    if p is None or cost_major is None or avoided is None:
        evidence = (
            values["major_failure_pct_per_year"].evidence
            if p is None
            else values["major_failure_cost_cents"].evidence
        )
        out.append(
            Saving(
                "risk",
                "Risk of a major failure",
                None,
                None,
                "probability a year × machines × cost of a major failure × share avoided",
                evidence,
            )
        )
    else:
        expected = p / 100 * machines * cost_major
        out.append(
            Saving(
                "risk",
                "Risk of a major failure",
                _c(expected),
                _c(expected * avoided / 100),
                f"{_fmt(p)} % a year × {machines} machines × {_money(cost_major)}"
                f" × {_fmt(avoided)} % avoided",
                values["major_failure_pct_per_year"].evidence
                + "; cost: "
                + values["major_failure_cost_cents"].evidence,
            )
        )
    return out


def total_saving_cents(items: list[Saving]) -> int:
    """The quantified savings a year (those with data)."""
    return sum(s.saving_cents for s in items if s.saving_cents is not None)
