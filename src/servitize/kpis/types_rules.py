"""The arithmetic of comparing the organisation types, on plain data: no database, no I/O.

Every figure says how many customers (or leads, or opportunities) it rests on, and a figure
resting on fewer than the settings' minimum says "too few to say" instead of a number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from servitize.kpis import rules
from servitize.kpis.period import add_months, month_of

# What a machine buyer may attach: a service or a digital offering (or any contract).
ATTACHED_SHELLS = {"service", "digital_service", "smart_pss_bundle"}


def too_few(f: rules.Figure, minimum: int, noun: str) -> rules.Figure:
    """The figure, or "too few to say" where it rests on fewer than ``minimum``."""
    n = f.count or 0
    if f.value is None or n >= minimum:
        return f
    return replace(f, value=None, reason=f"too few to say: {n} {noun} (at least {minimum})")


def mean_cents(
    values: Sequence[int], method: str, period: str, currency: str, why: str
) -> rules.Figure:
    """The mean of amounts in cents, rounded half up to the cent, with how many it rests on."""
    if not values:
        return rules.Figure(None, "cents", method, period, currency, why, 0)
    mean = (Decimal(sum(values)) / len(values)).to_integral_value(ROUND_HALF_UP)
    return rules.Figure(mean, "cents", method, period, currency, None, len(values))


def ratio(clv: rules.Figure, cac: rules.Figure, period: str) -> rules.Figure:
    """Mean CLV over fully loaded CAC (two decimals), resting on the fewer of the two."""
    method = "CLV/CAC: mean CLV over fully loaded CAC of the customers won"
    n = min(clv.count or 0, cac.count or 0)
    if clv.value is None:
        return rules.Figure(None, "ratio", method, period, None, f"CLV {clv.reason}", n)
    if cac.value is None or cac.value == 0:
        return rules.Figure(None, "ratio", method, period, None, f"CAC {cac.reason}", n)
    value = (clv.value / cac.value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return rules.Figure(value, "ratio", method, period, None, None, n)


def days_figure(values: Sequence[float], how: str, method: str, period: str) -> rules.Figure:
    """The median or mean of day counts (one decimal), with how many it rests on."""
    if not values:
        return rules.Figure(None, "days", method, period, None, "no opportunity won", 0)
    v = rules.median(values) if how == "median" else sum(values) / len(values)
    assert v is not None
    value = Decimal(str(v)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return rules.Figure(value, "days", method, period, None, None, len(values))


def attached(
    machine_days: Mapping[int, date], other_days: Mapping[int, Iterable[date]], months: int
) -> tuple[int, int]:
    """(buyers who attached, machine buyers): a buyer attached when they bought a service or
    digital offering on or after their machine's day and within ``months`` months of it."""
    hit = 0
    for account, day in machine_days.items():
        limit = add_months(month_of(day), months)
        last = _same_day(day, limit)
        if any(day <= d <= last for d in other_days.get(account, ())):
            hit += 1
    return hit, len(machine_days)


def _same_day(day: date, month: str) -> date:
    """``day``'s day of the month in ``month`` (the month's last day where it is shorter)."""
    y, m = (int(p) for p in month.split("-"))
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    return date(y, m, 28)
