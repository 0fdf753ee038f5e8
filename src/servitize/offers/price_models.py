"""The revenue models an offering is sold under, as plain data with their arithmetic. No I/O.

Every amount is integer minor units (cents) of the offering's currency; rates and percentages are
``Decimal``. Each model answers the same three questions a quote asks of a line:
what is paid once, what is paid every month (recurring, normalised to a month), and what the
line is worth over a term of N months. A usage model's recurring figure is an estimate from an
expected quantity; an availability clause is not a price (see ``contracts.clauses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from servitize.core.errors import InvalidInput
from servitize.installed_base.models import RevenueModel as RevenueModel  # the catalogue's
from servitize.kit.money import whole_cents as cents


class Period(StrEnum):
    """How often a recurring fee falls due."""

    month = "month"
    quarter = "quarter"
    year = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.value]


def _not_negative(name: str, value: int | Decimal) -> None:
    if value < 0:
        raise InvalidInput(f"{name} must not be negative (got {value})")


@dataclass(frozen=True)
class OneTime:
    """A price paid once: a machine, a retrofit, an inspection."""

    price_cents: int

    def __post_init__(self) -> None:
        _not_negative("price_cents", self.price_cents)

    def one_time_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return cents(self.price_cents * quantity)

    def monthly_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return 0

    def contract_value_cents(self, term_months: int, quantity: Decimal = Decimal(1)) -> int:
        return self.one_time_cents(quantity)


@dataclass(frozen=True)
class TimeAndMaterial:
    """Per service: hours at the rate of each role (per region when given) plus parts at list."""

    rates_per_hour_cents: Mapping[str, int]  # role -> cents per hour
    region_factors: Mapping[str, Decimal] = field(default_factory=dict)  # region -> factor

    def __post_init__(self) -> None:
        if not self.rates_per_hour_cents:
            raise InvalidInput("a time-and-material price needs at least one hourly rate")
        for role, rate in self.rates_per_hour_cents.items():
            _not_negative(f"rate of {role}", rate)

    def price_cents(
        self,
        hours: Mapping[str, Decimal],
        parts_cents: int = 0,
        region: str | None = None,
    ) -> int:
        """Labour (each role's hours at its rate, times the region's factor) plus parts."""
        _not_negative("parts_cents", parts_cents)
        factor = self.region_factors.get(region, Decimal(1)) if region else Decimal(1)
        labour = Decimal(0)
        for role, h in hours.items():
            if role not in self.rates_per_hour_cents:
                raise InvalidInput(
                    f"no hourly rate for the role {role!r}; known: "
                    + ", ".join(sorted(self.rates_per_hour_cents))
                )
            _not_negative(f"hours of {role}", h)
            labour += self.rates_per_hour_cents[role] * h
        return cents(labour * factor) + parts_cents


@dataclass(frozen=True)
class Subscription:
    """A fee per period with a minimum term, a notice period and a yearly indexation."""

    fee_cents: int
    period: Period = Period.month
    minimum_term_months: int = 12
    notice_months: int = 3
    indexation_pct: Decimal = Decimal(0)  # per contract year, applied from the second year

    def __post_init__(self) -> None:
        _not_negative("fee_cents", self.fee_cents)
        _not_negative("minimum_term_months", self.minimum_term_months)
        _not_negative("notice_months", self.notice_months)
        if self.indexation_pct < -100:
            raise InvalidInput("indexation_pct must be above -100")

    def monthly_cents(self, quantity: Decimal = Decimal(1)) -> int:
        """The fee normalised to a month (a yearly fee of 1,200.00 is 100.00 a month)."""
        return cents(self.fee_cents * quantity / self.period.months)

    def one_time_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return 0

    def fee_in_year(self, year_index: int) -> int:
        """The period fee in contract year ``year_index`` (0 = first): indexed once a year,
        each year's fee rounded to cents before the next year's indexation is applied."""
        return indexed_fee(self.fee_cents, self.indexation_pct, year_index)

    def contract_value_cents(self, term_months: int, quantity: Decimal = Decimal(1)) -> int:
        """What the term is worth: each month's share of the fee of its contract year."""
        term = max(term_months, self.minimum_term_months)
        total = Decimal(0)
        for month in range(term):
            fee = self.fee_in_year(month // 12)
            total += Decimal(fee) * quantity / self.period.months
        return cents(total)


def indexed_fee(fee_cents: int, pct: Decimal, years: int) -> int:
    """A fee after ``years`` yearly indexations of ``pct`` percent, rounded each year."""
    fee = fee_cents
    for _ in range(years):
        fee = cents(Decimal(fee) * (1 + pct / 100))
    return fee


@dataclass(frozen=True)
class Tier:
    """Units up to ``up_to`` (inclusive; None = no limit) at ``unit_cents`` (Decimal allowed)."""

    up_to: Decimal | None
    unit_cents: Decimal


@dataclass(frozen=True)
class Usage:
    """Metered use (operating hours, kWh, units produced): tiers, an included quantity and a
    minimum fee per period. ``graduated`` tiers price each unit at its own tier; otherwise the
    whole quantity takes the price of the tier it reaches (volume pricing)."""

    metric: str
    tiers: tuple[Tier, ...]
    included_quantity: Decimal = Decimal(0)
    minimum_fee_cents: int = 0
    graduated: bool = True
    expected_monthly_quantity: Decimal = Decimal(0)  # for estimates on quotes

    def __post_init__(self) -> None:
        if not self.tiers:
            raise InvalidInput("a usage price needs at least one tier")
        bounds = [t.up_to for t in self.tiers]
        if any(b is None for b in bounds[:-1]):
            raise InvalidInput("only the last tier may be unlimited")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite) or len(set(finite)) != len(finite):
            raise InvalidInput("tier limits must rise strictly")
        for t in self.tiers:
            _not_negative("unit price of a tier", t.unit_cents)
        _not_negative("included_quantity", self.included_quantity)
        _not_negative("minimum_fee_cents", self.minimum_fee_cents)

    def rate(self, quantity: Decimal) -> int:
        """The charge for one period's quantity (after the included quantity, at least the
        minimum fee)."""
        _not_negative("quantity", quantity)
        billable = max(quantity - self.included_quantity, Decimal(0))
        if self.graduated:
            amount, lower = Decimal(0), Decimal(0)
            for tier in self.tiers:
                upper = billable if tier.up_to is None else min(billable, tier.up_to)
                if upper > lower:
                    amount += (upper - lower) * tier.unit_cents
                if tier.up_to is None or billable <= tier.up_to:
                    break
                lower = tier.up_to
        else:
            tier = next(
                (t for t in self.tiers if t.up_to is None or billable <= t.up_to), self.tiers[-1]
            )
            amount = billable * tier.unit_cents
        return max(cents(amount), self.minimum_fee_cents)

    def monthly_cents(self, quantity: Decimal = Decimal(1)) -> int:
        """The estimate for a month at the expected quantity (times the line's quantity of
        machines)."""
        return cents(self.rate(self.expected_monthly_quantity) * quantity)

    def one_time_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return 0

    def contract_value_cents(self, term_months: int, quantity: Decimal = Decimal(1)) -> int:
        return self.monthly_cents(quantity) * term_months


@dataclass(frozen=True)
class Licence:
    """A software licence (a digital twin, remote service): monthly, or once per project."""

    fee_cents: int
    per_project: bool = False

    def __post_init__(self) -> None:
        _not_negative("fee_cents", self.fee_cents)

    def monthly_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return 0 if self.per_project else cents(self.fee_cents * quantity)

    def one_time_cents(self, quantity: Decimal = Decimal(1)) -> int:
        return cents(self.fee_cents * quantity) if self.per_project else 0

    def contract_value_cents(self, term_months: int, quantity: Decimal = Decimal(1)) -> int:
        if self.per_project:
            return self.one_time_cents(quantity)
        return self.monthly_cents(quantity) * term_months


PriceModel = OneTime | Subscription | Usage | Licence


def price_in_words(model: PriceModel | TimeAndMaterial, currency: str) -> str:
    """How a line's price reads to a customer: "60.00 EUR / month, 36 months minimum"."""

    def money(c: int | Decimal) -> str:
        return f"{Decimal(c) / 100:,.2f} {currency}"

    if isinstance(model, OneTime):
        return f"{money(model.price_cents)} once"
    if isinstance(model, Subscription):
        text = f"{money(model.fee_cents)} / {model.period.value}"
        if model.minimum_term_months:
            text += f", {model.minimum_term_months} months minimum"
        if model.notice_months:
            text += f", {model.notice_months} months' notice"
        if model.indexation_pct:
            text += f", indexed {model.indexation_pct} % a year"
        return text
    if isinstance(model, Licence):
        return f"{money(model.fee_cents)} " + ("per project" if model.per_project else "/ month")
    if isinstance(model, Usage):
        parts = []
        lower = Decimal(0)
        for tier in model.tiers:
            span = f"above {lower:g}" if tier.up_to is None else f"{lower:g}–{tier.up_to:g}"
            parts.append(f"{span}: {money(tier.unit_cents)} per {model.metric}")
            lower = tier.up_to or lower
        text = "; ".join(parts)
        if model.included_quantity:
            text = f"{model.included_quantity:g} {model.metric} included; " + text
        if model.minimum_fee_cents:
            text += f"; at least {money(model.minimum_fee_cents)} a month"
        return text
    rates = ", ".join(
        f"{r} {money(c)} / hour" for r, c in sorted(model.rates_per_hour_cents.items())
    )
    return f"time and material: {rates}; parts at list price"
