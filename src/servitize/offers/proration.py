"""Prorating recurring fees by day, for partial periods and mid-period amendments. No I/O.

A period's fee is owed for the days a subscription was active in it: ``fee × active days /
days of the period``, rounded half to even to cents. An amendment on day D of a period credits
the old fee for the days from D to the period's end and charges the new fee for the same days,
as two separate billing lines (an upgrade nets a charge, a downgrade a credit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from servitize.core.errors import InvalidInput
from servitize.kit.money import whole_cents as cents


@dataclass(frozen=True)
class Span:
    """Days from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def overlap(self, other: Span) -> int:
        """Days both spans share."""
        return max((min(self.end, other.end) - max(self.start, other.start)).days, 0)


def month_span(month: str) -> Span:
    """The calendar month ``YYYY-MM`` as a span."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        start = date(year, mon, 1)
    except ValueError:
        raise InvalidInput(f"a period is written YYYY-MM (got {month!r})") from None
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return Span(start, end)


def prorate(fee_cents: int, period: Span, active: Span) -> int:
    """The share of a period's fee for the days of ``active`` inside it."""
    if period.days == 0:
        return 0
    return cents(Decimal(fee_cents) * period.overlap(active) / period.days)


@dataclass(frozen=True)
class Amendment:
    """The two lines of a mid-period change of fee: credit the old, charge the new."""

    credit_cents: int  # negative: what the customer gets back for the rest of the period
    charge_cents: int  # positive: the new fee for the rest of the period

    @property
    def net_cents(self) -> int:
        return self.credit_cents + self.charge_cents


def amend(old_fee_cents: int, new_fee_cents: int, period: Span, on: date) -> Amendment:
    """Prorate a change of fee effective on ``on`` (from that day to the period's end)."""
    if not period.start <= on < period.end:
        raise InvalidInput(f"the change date {on} lies outside the period {period.start}…")
    rest = Span(on, period.end)
    return Amendment(-prorate(old_fee_cents, period, rest), prorate(new_fee_cents, period, rest))


def notice_end(notice_given: date, notice_months: int, term_end: date) -> date:
    """When a cancellation takes effect: the end of the notice period, but never before the
    end of the minimum term (the contract's ``term_end``)."""
    return max(add_months(notice_given, notice_months), term_end)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = (nxt - timedelta(days=1)).day
    return date(year, month, min(day.day, last))
