"""Meter readings: the rules of a reading's row and of a month's quantity from cumulative
readings. No I/O.

**Convention (cumulative readings).** A meter reading is the counter of one machine at one time
(operating hours, kWh, units produced since the meter started), never decreasing. A month's
quantity of a machine is its **closing reading minus its opening reading**: the opening reading is
the last one taken at or before the month's first instant (1st, 00:00 UTC), the closing reading
the last one taken at or before the next month's first instant; a reading taken exactly at a
month boundary closes one month and opens the next, so no unit is billed twice. A machine whose
first reading falls inside the month opens with that reading (a new meter) and needs a later one
to close. A machine without a closing reading inside the month has no quantity for it: it is listed under ``no_reading`` in the line's
evidence, never counted as zero. A contract's quantity is the sum over its machines.

**Consent.** A usage contract metered from imported readings is billed under the contract
itself, without a data-sharing agreement: the readings were sent (by the customer, or taken by a
technician on site) in order to bill that contract, so the contract is the agreement for that
use. The ``billing`` data-sharing agreement governs telemetry, which machines stream for many
uses and the customer never sent for billing; usage from telemetry still needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

CONVENTION = (
    "closing minus opening cumulative reading: the last reading at or before the month's "
    "start, the last at or before its end"
)

# Units a file may write for each metric a usage contract is rated by (lower case).
_ALIASES = {
    "h": "operating hour",
    "hr": "operating hour",
    "hrs": "operating hour",
    "hour": "operating hour",
    "hours": "operating hour",
    "operating hours": "operating hour",
    "kwh": "kwh",
    "unit": "unit produced",
    "units": "unit produced",
    "units produced": "unit produced",
    "piece": "unit produced",
    "pieces": "unit produced",
}


def canonical_unit(text: str) -> str:
    """A unit or metric in one spelling: lower case, single spaces, aliases resolved."""
    words = " ".join(text.strip().lower().split())
    return _ALIASES.get(words, words)


def unit_matches(unit: str, metric: str) -> bool:
    """Whether a reading's unit is the contract's metric (``h`` is ``operating hour``)."""
    return canonical_unit(unit) == canonical_unit(metric)


_DATE = re.compile(r"^(-?\d+)-(\d{1,2})-(\d{1,2})$")


def parse_time(raw: str, years: tuple[int, int]) -> datetime | str:
    """A reading's time (a date is its 00:00 UTC; a time without a zone is UTC), or a reason."""
    text = raw.strip()
    if not text:
        return "read_at: missing"
    year_text = text.lstrip("-").split("-", 1)[0]
    if year_text.isdigit() and (
        text.startswith("-") or not (years[0] <= int(year_text) <= years[1])
    ):
        return f"read_at: {text} is outside the accepted years {years[0]} to {years[1]}"
    try:
        if _DATE.match(text):
            return datetime.combine(date.fromisoformat(_padded(text)), time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return f"read_at: {text!r} is not a date or a date and time (YYYY-MM-DD[THH:MM])"
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _padded(text: str) -> str:
    y, m, d = text.split("-")
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def parse_reading(raw: str) -> Decimal | str:
    """A cumulative reading (not negative, at most 14 digits before the point), or a reason."""
    text = raw.strip().replace(" ", "")
    if not text:
        return "reading: missing"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return f"reading: {raw.strip()!r} is not a number"
    if not value.is_finite():
        return f"reading: {raw.strip()!r} is not a number"
    if value < 0:
        return f"reading: {text} is negative; a meter reading counts up from zero"
    if value >= Decimal(10) ** 14:
        return f"reading: {text} is too large"
    return value.quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class MachineQuantity:
    """A machine's month from its readings: opening and closing reading and their difference."""

    opening_at: datetime
    opening: Decimal
    closing_at: datetime
    closing: Decimal

    @property
    def quantity(self) -> Decimal:
        return self.closing - self.opening

    def evidence(self) -> dict[str, str]:
        return {
            "opening_at": self.opening_at.isoformat(),
            "opening": _text(self.opening),
            "closing_at": self.closing_at.isoformat(),
            "closing": _text(self.closing),
            "quantity": _text(self.quantity),
        }


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def month_quantity(
    readings: list[tuple[datetime, Decimal]], start: datetime, end: datetime
) -> MachineQuantity | None:
    """One machine's quantity for the month [start, end) from its readings sorted by time
    (None: no reading inside the month). See the module's convention."""
    opening: tuple[datetime, Decimal] | None = None
    closing: tuple[datetime, Decimal] | None = None
    for at, value in readings:
        if at <= start:
            opening = (at, value)
        elif at <= end:
            if opening is None:
                opening = (at, value)  # a new meter: it opens with its first reading
            else:
                closing = (at, value)
        else:
            break
    if opening is None or closing is None:
        return None
    return MachineQuantity(opening[0], opening[1], closing[0], closing[1])


def out_of_order(value: Decimal, before: Decimal | None, after: Decimal | None) -> str | None:
    """Why a cumulative reading cannot sit between its neighbours in time (None: it can)."""
    if before is not None and value < before:
        return f"reading: {_text(value)} is below the earlier reading {_text(before)}; a cumulative reading never decreases"
    if after is not None and value > after:
        return f"reading: {_text(value)} is above the later reading {_text(after)}; a cumulative reading never decreases"
    return None
