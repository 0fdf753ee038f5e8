"""A quote's totals per revenue stream, for plain lines and Smart PSS bundles. No I/O.

A bundle is a set of components, each keeping its own revenue model (a machine once, a service
agreement yearly, a monitoring subscription monthly), with one bundle discount on all of them.
The totals a quote shows:

- one-time: paid at acceptance or delivery;
- monthly recurring: every recurring fee normalised to a month (subscriptions, monthly licences);
- yearly recurring: twelve times the monthly recurring;
- usage estimate: the monthly estimate of metered lines, kept apart (it is not a promise);
- contract value: one-time plus every recurring and usage line over the term, which is the
  value an opportunity is won with and lead routing compares against the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from servitize.core.errors import InvalidInput
from servitize.kit.money import whole_cents as cents
from servitize.offers.price_models import PriceModel, Usage


@dataclass(frozen=True)
class Line:
    """One quote line: a price model, a quantity and a discount in percent."""

    name: str
    model: PriceModel
    quantity: Decimal = Decimal(1)
    discount_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidInput(f"quantity of {self.name!r} must be positive (got {self.quantity})")
        if not 0 <= self.discount_pct <= 100:
            raise InvalidInput(
                f"discount of {self.name!r} must lie between 0 and 100 % (got {self.discount_pct})"
            )


@dataclass(frozen=True)
class Bundle:
    """Components sold together with one discount on top of their own."""

    name: str
    components: tuple[Line, ...]
    discount_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not self.components:
            raise InvalidInput(f"the bundle {self.name!r} has no components")
        if not 0 <= self.discount_pct <= 100:
            raise InvalidInput(
                f"bundle discount of {self.name!r} must lie between 0 and 100 % "
                f"(got {self.discount_pct})"
            )


@dataclass(frozen=True)
class Totals:
    """What a quote adds up to, in minor units of its currency."""

    one_time_cents: int
    monthly_recurring_cents: int
    usage_estimate_monthly_cents: int
    contract_value_cents: int
    term_months: int

    @property
    def yearly_recurring_cents(self) -> int:
        return self.monthly_recurring_cents * 12

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.one_time_cents + other.one_time_cents,
            self.monthly_recurring_cents + other.monthly_recurring_cents,
            self.usage_estimate_monthly_cents + other.usage_estimate_monthly_cents,
            self.contract_value_cents + other.contract_value_cents,
            max(self.term_months, other.term_months),
        )


ZERO = Totals(0, 0, 0, 0, 0)


def _factor(*discounts: Decimal) -> Decimal:
    f = Decimal(1)
    for d in discounts:
        f *= 1 - d / 100
    return f


def line_totals(line: Line, term_months: int, extra_discount_pct: Decimal = Decimal(0)) -> Totals:
    """One line's share of the totals: its model's figures, less its discount (and a bundle's)."""
    f = _factor(line.discount_pct, extra_discount_pct)
    one_time = cents(line.model.one_time_cents(line.quantity) * f)
    monthly = cents(line.model.monthly_cents(line.quantity) * f)
    value = cents(line.model.contract_value_cents(term_months, line.quantity) * f)
    if isinstance(line.model, Usage):
        return Totals(0, 0, monthly, value, term_months)
    return Totals(one_time, monthly, 0, value, term_months)


def quote_totals(items: list[Line | Bundle], term_months: int) -> Totals:
    """The totals of a quote's lines and bundles over a term."""
    if term_months < 0:
        raise InvalidInput(f"term_months must not be negative (got {term_months})")
    total = ZERO
    for item in items:
        if isinstance(item, Bundle):
            for component in item.components:
                total += line_totals(component, term_months, item.discount_pct)
        else:
            total += line_totals(item, term_months)
    return Totals(
        total.one_time_cents,
        total.monthly_recurring_cents,
        total.usage_estimate_monthly_cents,
        total.contract_value_cents,
        term_months,
    )
