"""The value-based price beside the cost-plus price and the list price, with their margins. Pure.

The value-based price leaves the customer a chosen share of the quantified savings: with the
supplier's share s of the savings S a year, the price is s × S and the customer keeps (1 − s) × S.
The cost-plus price is the cost to serve × (1 + markup). A margin is (price − cost) ÷ price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from servitize.kit.money import whole_cents
from servitize.value.savings import Value


@dataclass(frozen=True)
class Price:
    """One way to price the service agreement a year, its margin and how it is found."""

    key: str
    label: str
    cents: int | None  # None: no data to price it this way
    margin_pct: float | None  # (price − cost) ÷ price, None without a cost or a price
    formula: str


def _margin(price: int | None, cost: float | None) -> float | None:
    if price is None or cost is None or price == 0:
        return None
    return round(100 * (price - cost) / price, 2)


def _money(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def prices(values: Mapping[str, Value], saving_cents: int) -> list[Price]:
    """Value-based, cost-plus and list price a year of the service agreement."""
    share = values["supplier_share_pct"].number or 0.0
    cost = values["cost_to_serve_cents_per_year"].number
    markup = values["cost_plus_markup_pct"].number or 0.0
    value_price = value_based_cents(saving_cents, share)
    out = [
        Price(
            "value",
            "Value-based price",
            value_price,
            _margin(value_price, cost),
            f"{share:g} % of the quantified savings {_money(saving_cents)} a year; the customer"
            f" keeps {_money(saving_cents - value_price)}",
        )
    ]
    plus = (
        None
        if cost is None
        else whole_cents(Decimal(repr(cost)) * (100 + Decimal(repr(markup))) / 100)
    )
    out.append(
        Price(
            "cost_plus",
            "Cost-plus price",
            plus,
            _margin(plus, cost),
            "no data: no cost to serve"
            if cost is None
            else f"cost to serve {_money(cost)} × (1 + {markup:g} %)",
        )
    )
    listed = values["list_price_cents_per_year"].number
    out.append(
        Price(
            "list",
            "List price",
            None if listed is None else int(listed),
            _margin(None if listed is None else int(listed), cost),
            values["list_price_cents_per_year"].evidence,
        )
    )
    return out


def value_based_cents(saving_cents: int, supplier_share_pct: float) -> int:
    """The supplier's share of the savings a year, in whole cents (half to even)."""
    return whole_cents(Decimal(saving_cents) * Decimal(repr(supplier_share_pct)) / 100)


def fill_fees(values: dict[str, Value], saving_cents: int, machines: int) -> None:
    """Default the fees of the alternatives from the value-based price (unless entered)."""
    price = value_based_cents(saving_cents, values["supplier_share_pct"].number or 0.0)
    if values.get("agreement_fee_cents_per_year") is None:
        values["agreement_fee_cents_per_year"] = Value(price, "default", "the value-based price")
    fee = values["agreement_fee_cents_per_year"].number or 0.0
    years = values["years"].number or 1.0
    machine_price = values["machine_price_cents"].number or 0.0
    if values.get("subscription_fee_cents_per_year") is None:
        spread = whole_cents(Decimal(repr(machine_price)) * machines / Decimal(repr(years)))
        values["subscription_fee_cents_per_year"] = Value(
            int(fee) + spread,
            "default",
            f"the agreement fee {_money(fee)} + {machines} machines × {_money(machine_price)}"
            f" ÷ {years:g} years",
        )
    if values.get("availability_fee_cents_per_year") is None:
        values["availability_fee_cents_per_year"] = Value(
            whole_cents(Decimal(repr(fee)) * Decimal("1.1")),
            "default",
            f"the agreement fee {_money(fee)} + 10 %",
        )
