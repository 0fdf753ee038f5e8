"""From orders to the models' inputs, and the calibration/holdout check of a fit.

Orders are plain arrays (customer, day number, value). Several orders of one customer on one
day count as one purchase of their summed value, as in the CDNOW studies. Each customer's
clock starts at their first purchase; the repeat purchases are the later purchase days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from servitize.core.errors import InvalidInput
from servitize.kpis.clv.bgnbd import BgNbdParams, conditional_expected_purchases

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Summary:
    """Per customer (first purchase on or before the end of calibration), in period units:
    x repeat purchases, t_x last repeat purchase and T end of calibration since the first
    purchase, the mean value of the repeat purchases (0 without any) and the purchases made in
    the holdout period after calibration."""

    customer: Ints
    x: Floats
    t_x: Floats
    T: Floats
    mean_value: Floats
    holdout: Floats
    period_days: float


def summarise(
    customer: ArrayLike,
    day: ArrayLike,
    value: ArrayLike,
    *,
    calibration_end: int,
    holdout_end: int | None = None,
    period_days: float = 7.0,
) -> Summary:
    """Summaries of the customers who bought by ``calibration_end`` (a day number, included);
    holdout purchases are the purchase days after it up to ``holdout_end`` (included)."""
    cust = np.asarray(customer, dtype=np.int64)
    days = np.asarray(day, dtype=np.int64)
    vals = np.asarray(value, dtype=np.float64)
    if not cust.shape == days.shape == vals.shape or cust.ndim != 1:
        raise InvalidInput("customer, day and value must be arrays of one length")
    if period_days <= 0:
        raise InvalidInput("period_days must be above 0")
    # One purchase per customer and day, its value the day's sum.
    order = np.lexsort((days, cust))
    cust, days, vals = cust[order], days[order], vals[order]
    new_day = np.ones(cust.size, dtype=bool)
    new_day[1:] = (cust[1:] != cust[:-1]) | (days[1:] != days[:-1])
    starts = np.flatnonzero(new_day)
    cust, days, vals = (
        cust[starts],
        days[starts],
        np.add.reduceat(vals, starts) if starts.size else vals,
    )
    # Per customer: the first purchase day is the first row of its run.
    first_row = np.ones(cust.size, dtype=bool)
    first_row[1:] = cust[1:] != cust[:-1]
    run = np.cumsum(first_row) - 1
    ids = cust[first_row]
    first = days[first_row]
    keep = first <= calibration_end
    in_cal = days <= calibration_end
    repeat = in_cal & ~first_row
    n = ids.size
    x = np.bincount(run, weights=repeat, minlength=n).astype(np.float64)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, run[in_cal], days[in_cal])
    spend = np.bincount(run, weights=np.where(repeat, vals, 0.0), minlength=n)
    holdout: Floats = np.zeros(n)
    if holdout_end is not None:
        later = (days > calibration_end) & (days <= holdout_end)
        holdout = np.bincount(run, weights=later, minlength=n).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_value = np.where(x > 0, spend / np.maximum(x, 1.0), 0.0)
    return Summary(
        customer=ids[keep],
        x=x[keep],
        t_x=np.where(x > 0, (last - first) / period_days, 0.0)[keep],
        T=((calibration_end - first) / period_days)[keep],
        mean_value=mean_value[keep],
        holdout=holdout[keep],
        period_days=period_days,
    )


@dataclass(frozen=True)
class HoldoutRow:
    """One point of the calibration/holdout plot: the customers with ``label`` calibration
    repeat purchases, and their mean actual and predicted purchases in the holdout period."""

    label: str
    customers: int
    actual: float
    predicted: float


def calibration_holdout(
    params: BgNbdParams, summary: Summary, holdout_length: float, *, top: int = 7
) -> list[HoldoutRow]:
    """Predicted against actual holdout purchases, grouped by calibration repeat purchases
    0, 1, ..., top-1 and "top+" (Fader, Hardie & Lee 2005, figure 4)."""
    predicted = conditional_expected_purchases(
        params, holdout_length, summary.x, summary.t_x, summary.T
    )
    group = np.minimum(summary.x, top).astype(np.int64)
    customers = np.bincount(group, minlength=top + 1)
    actual = np.bincount(group, weights=summary.holdout, minlength=top + 1)
    expected = np.bincount(group, weights=predicted, minlength=top + 1)
    rows = []
    for k in range(top + 1):
        if customers[k]:
            label = f"{k}+" if k == top else str(k)
            n = int(customers[k])
            rows.append(HoldoutRow(label, n, float(actual[k] / n), float(expected[k] / n)))
    return rows
