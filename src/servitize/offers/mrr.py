"""Monthly recurring revenue and its movements from one month to the next. No I/O.

Given each contract's MRR per month (the normalised recurring fee it was billed, 0 when not
active), the change from month to month splits into the five movements a subscription business
reads: **new** (a customer's first recurring revenue), **expansion** (a customer pays more),
**contraction** (pays less, still pays), **churn** (stops paying) and **reactivation** (pays
again after a month at zero). Movements are counted per customer (account), so moving a machine
from one contract to another of the same customer is no churn. Opening MRR plus the movements
equals closing MRR, every month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Movements:
    """One month's MRR bridge, in minor units."""

    month: str
    opening_cents: int
    new_cents: int
    expansion_cents: int
    contraction_cents: int  # negative or zero
    churn_cents: int  # negative or zero
    reactivation_cents: int
    closing_cents: int

    @property
    def arr_cents(self) -> int:
        """Annual recurring revenue at the month's close."""
        return self.closing_cents * 12


def movements(mrr: Mapping[str, Mapping[str, int]], months: list[str]) -> list[Movements]:
    """The bridge for each of ``months`` (sorted ``YYYY-MM``) from ``mrr[account][month]``.

    The month before the first of ``months`` is the opening; an account never seen with MRR
    before is new, one seen before but at zero last month is a reactivation.
    """
    out: list[Movements] = []
    for i, month in enumerate(months):
        prev_month = months[i - 1] if i else None
        opening = closing = new = expansion = contraction = churn = reactivation = 0
        for series in mrr.values():
            now = series.get(month, 0)
            before = series.get(prev_month, 0) if prev_month else 0
            ever_before = any(v > 0 for m, v in series.items() if m < month)
            opening += before
            closing += now
            if before == 0 and now > 0:
                if ever_before:
                    reactivation += now
                else:
                    new += now
            elif before > 0 and now == 0:
                churn -= before
            elif now > before:
                expansion += now - before
            elif now < before:
                contraction -= before - now
        if i == 0:
            # The first month has no opening in the window: everything paying is carried in.
            out.append(Movements(month, closing, 0, 0, 0, 0, 0, closing))
            continue
        out.append(
            Movements(month, opening, new, expansion, contraction, churn, reactivation, closing)
        )
    return out
