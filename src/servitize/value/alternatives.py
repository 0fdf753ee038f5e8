"""The alternatives side by side: the customer's cash flows a year over N years, their TCO, NPV,
the IRR and payback of the difference to the status quo (buy + time and material). Pure.

Every alternative's flows are the customer's: paid out is negative. Period 0 is today (the
machines' price where they are bought), periods 1 … N the years. A cost with no data stays out
of every alternative alike (and the case says so), never taken as zero silently.

- buy + time and material: the machines; each year downtime, energy, parts and labour, scrap
  and the expected cost of a major failure, as today.
- buy + service agreement: the machines; each year the fee and what the service level leaves
  of downtime, energy, scrap and major failures (parts and labour are in the fee).
- subscription of the whole system: no purchase; each year the fee (machines and service) and
  what is left of downtime, energy and scrap; the supplier carries the risk of major failures.
- availability contract: the machines; each year the fee, what is left of downtime, energy and
  scrap, less the expected penalty (or plus the bonus) at the fleet's measured availability;
  the supplier carries the risk of major failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from servitize.kit.money import whole_cents
from servitize.value import finance
from servitize.value.finance import Convention, Flows, PeriodLength
from servitize.value.rules import PENALTY_CAP_PCT
from servitize.value.savings import Saving, Value

STATUS_QUO = "buy_tm"
KEYS = ("buy_tm", "buy_agreement", "subscription", "availability")
LABELS = {
    "buy_tm": "Buy + time and material",
    "buy_agreement": "Buy + service agreement",
    "subscription": "Subscription of the whole system",
    "availability": "Availability contract",
}


@dataclass(frozen=True)
class Alternative:
    """One alternative's flows and figures (cents; rates in percent a year)."""

    key: str
    label: str
    yearly: list[tuple[str, int]]  # the items of one year's flow, named
    flows_cents: list[int]  # periods 0 … N
    cumulative_cents: list[int]
    tco_cents: int
    tco_discounted_cents: int
    npv_cents: int
    irr_pct: float | None  # of the difference to the status quo, a year
    irr_note: str | None
    payback_years: float | None
    payback_note: str | None
    discounted_payback_years: float | None
    discounted_payback_note: str | None


def _cents(x: float) -> int:
    return whole_cents(Decimal(repr(x)))


def _flows(cents: list[int], currency: str) -> Flows:
    return Flows.of([Decimal(c) / 100 for c in cents], currency, PeriodLength.YEAR)


def _to_cents(amount: Decimal) -> int:
    return whole_cents(amount * 100)


def expected_settlement_cents(values: Mapping[str, Value], fee: float) -> tuple[int, str]:
    """The expected penalty (negative: the customer receives it) or bonus (positive: the
    customer pays it) a year at the measured availability, capped at PENALTY_CAP_PCT of the fee."""
    measured = values["measured_availability_pct"].number
    target = values["availability_target_pct"].number or 0.0
    if measured is None:
        return 0, "no measured availability: no penalty or bonus expected"
    gap = measured - target
    if gap < 0:
        pct = min(PENALTY_CAP_PCT, -gap * (values["penalty_pct_per_point"].number or 0.0))
        return -_cents(fee * pct / 100), (
            f"penalty {pct:g} % of the fee: measured {measured:g} % is "
            f"{-gap:g} points below the target {target:g} %"
        )
    pct = min(PENALTY_CAP_PCT, gap * (values["bonus_pct_per_point"].number or 0.0))
    return _cents(fee * pct / 100), (
        f"bonus {pct:g} % of the fee: measured {measured:g} % is {gap:g} points above "
        f"the target {target:g} %"
    )


def yearly_items(
    values: Mapping[str, Value], items: list[Saving], machines: int
) -> dict[str, list[tuple[str, int]]]:
    """Each alternative's yearly costs, named (cents, positive = paid)."""
    by = {s.key: s for s in items}

    def cost(key: str) -> int | None:
        return by[key].cost_cents

    def left(key: str) -> int | None:
        s = by[key]
        if s.cost_cents is None or s.saving_cents is None:
            return None
        return s.cost_cents - s.saving_cents

    def named(pairs: list[tuple[str, int | None]]) -> list[tuple[str, int]]:
        return [(n, c) for n, c in pairs if c is not None]

    def fee(name: str) -> int:
        return int(values[name].number or 0)

    settlement, _why = expected_settlement_cents(
        values, values["availability_fee_cents_per_year"].number or 0.0
    )
    return {
        "buy_tm": named(
            [
                ("Downtime", cost("downtime")),
                ("Energy", cost("energy")),
                ("Parts and labour", cost("time_and_material")),
                ("Scrap", cost("scrap")),
                ("Major failures (expected)", cost("risk")),
            ]
        ),
        "buy_agreement": named(
            [
                ("Agreement fee", fee("agreement_fee_cents_per_year")),
                ("Downtime left", left("downtime")),
                ("Energy left", left("energy")),
                ("Scrap left", left("scrap")),
                ("Major failures left (expected)", left("risk")),
            ]
        ),
        "subscription": named(
            [
                ("Subscription fee", fee("subscription_fee_cents_per_year")),
                ("Downtime left", left("downtime")),
                ("Energy left", left("energy")),
                ("Scrap left", left("scrap")),
            ]
        ),
        "availability": named(
            [
                ("Availability fee", fee("availability_fee_cents_per_year")),
                ("Downtime left", left("downtime")),
                ("Energy left", left("energy")),
                ("Scrap left", left("scrap")),
                ("Penalty (−) or bonus (+) expected", settlement),
            ]
        ),
    }


def compare(
    values: Mapping[str, Value], items: list[Saving], machines: int, currency: str
) -> list[Alternative]:
    """The four alternatives over the case's years at the customer's discount rate."""
    years = int(values["years"].number or 1)
    rate = finance.rate_per_period(
        Decimal(repr(values["discount_rate_pct"].number or 0.0)) / 100, PeriodLength.YEAR
    )
    capex = _cents((values["machine_price_cents"].number or 0.0) * machines)
    setup = int(values["setup_cents"].number or 0)
    yearly = yearly_items(values, items, machines)
    cents: dict[str, list[int]] = {}
    for key in KEYS:
        per_year = -sum(c for _n, c in yearly[key])
        first = (0 if key == "subscription" else -capex) - (0 if key == STATUS_QUO else setup)
        cents[key] = [first] + [per_year] * years
    base = _flows(cents[STATUS_QUO], currency)
    out = []
    for key in KEYS:
        flows = _flows(cents[key], currency)
        total = finance.tco(flows, rate)
        present = finance.npv(flows, rate, Convention.TIME_ZERO)
        running = finance.cumulative(flows)
        irr_note: str | None
        if key == STATUS_QUO:
            irr_pct, irr_note = None, "the status quo: nothing to compare"
            pay = disc = None
            pay_note = disc_note = "the status quo"
        else:
            diff = finance.difference(flows, base)
            found = finance.irr(diff)
            irr_pct = None if found.yearly is None else round(float(found.yearly) * 100, 4)
            irr_note = found.reason
            simple = finance.payback(diff)
            discounted = finance.payback(diff, rate)
            pay = None if simple.years is None else round(float(simple.years), 4)
            disc = None if discounted.years is None else round(float(discounted.years), 4)
            pay_note = simple.reason or "of the difference to buy + time and material"
            disc_note = discounted.reason or "of the difference, discounted"
        out.append(
            Alternative(
                key,
                LABELS[key],
                [(n, -c) for n, c in yearly[key]],
                cents[key],
                [_to_cents(f.amount) for f in running],
                total.nominal_cents,
                total.discounted_cents,
                present.cents,
                irr_pct,
                irr_note,
                pay,
                pay_note,
                disc,
                disc_note,
            )
        )
    return out
