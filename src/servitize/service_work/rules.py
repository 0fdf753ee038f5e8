"""Service work's rules, pure: the status moves of a work order, machine alerts, when a
preventive-maintenance plan falls due, what a time slot clashes with, which photos are taken."""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from servitize.core.errors import Conflict, InvalidInput

NEW, SCHEDULED, IN_PROGRESS, DONE, CANCELLED = (
    "new",
    "scheduled",
    "in_progress",
    "done",
    "cancelled",
)
STATUSES = (NEW, SCHEDULED, IN_PROGRESS, DONE, CANCELLED)
OPEN = (NEW, SCHEDULED, IN_PROGRESS)
# Which moves a work order may make. Scheduled work may go back to the unscheduled list (new);
# a job started may be rescheduled (parts missing) but not cancelled: what was done is kept.
MOVES: dict[str, tuple[str, ...]] = {
    NEW: (SCHEDULED, IN_PROGRESS, CANCELLED),
    SCHEDULED: (NEW, IN_PROGRESS, DONE, CANCELLED),
    IN_PROGRESS: (SCHEDULED, DONE),
    DONE: (),
    CANCELLED: (),
}
LABELS = {
    NEW: "new",
    SCHEDULED: "scheduled",
    IN_PROGRESS: "in progress",
    DONE: "done",
    CANCELLED: "cancelled",
}


def check_move(current: str, target: str) -> None:
    """Conflict (409) unless a work order may move from ``current`` to ``target``."""
    if target not in STATUSES:
        raise InvalidInput(f"status: one of {', '.join(STATUSES)}, not {target!r}")
    if target not in MOVES.get(current, ()):
        allowed = ", ".join(MOVES.get(current, ())) or "none: it is closed"
        raise Conflict(
            f"status: a work order that is {LABELS.get(current, current)} cannot move to "
            f"{LABELS[target]} (allowed: {allowed})"
        )


def is_open(status: str) -> bool:
    """Whether a work order still asks for work."""
    return status in OPEN


# ---- machine alerts ---------------------------------------------------------------------------


def downs_in_window(downs: Iterable[datetime], at: datetime, hours: float) -> int:
    """How many ``down`` states fall in the ``hours`` up to ``at`` (``(at - hours, at]``)."""
    start = at - timedelta(hours=hours)
    return sum(1 for t in downs if start < t <= at)


def repeated_downs(downs: Iterable[datetime], at: datetime, hours: float, n: int) -> bool:
    """The rule "``n`` downs within ``hours`` hours": at least ``n`` in the window up to ``at``."""
    return downs_in_window(downs, at, hours) >= n


def beyond(value: float, kind: str, threshold: float) -> bool:
    """Whether a reading is beyond its threshold (``above``: strictly more, ``below``: less)."""
    if kind == "above":
        return value > threshold
    if kind == "below":
        return value < threshold
    raise InvalidInput(f"kind: above or below, not {kind!r}")


# ---- preventive maintenance -------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it has fewer days."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def due_by_months(last_done: date, interval_months: int) -> date:
    """When a machine serviced on ``last_done`` is due again under a months interval."""
    if interval_months < 1:
        raise InvalidInput("interval_months: at least 1")
    return add_months(last_done, interval_months)


MAX_DAYS_AHEAD = 3660  # ten years: a projection further out is no plan


def due_by_hours(
    last_done: date, hours_since: float | None, interval_hours: float, today: date
) -> date | None:
    """When a machine is due again under an operating-hours interval, projected at the pace it
    ran since ``last_done``: today when the hours are reached; None without readings (no pace).

    pace = hours_since / days since last_done; due = today + ceil((interval - hours) / pace).
    """
    if interval_hours <= 0:
        raise InvalidInput("interval_hours: more than 0")
    if hours_since is None:
        return None
    if hours_since >= interval_hours:
        return today
    days = (today - last_done).days
    if days <= 0 or hours_since <= 0:
        return None
    pace = hours_since / days
    ahead = math.ceil((interval_hours - hours_since) / pace)
    if ahead > MAX_DAYS_AHEAD:
        return None  # at this pace not within the projection's reach: no date to plan by
    return today + timedelta(days=ahead)


def opens_now(due: date, today: date, lead_days: int) -> bool:
    """Whether a plan's work order should exist today: ``lead_days`` ahead of its due date."""
    return due - timedelta(days=lead_days) <= today


# ---- scheduling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A technician's time on a day; ``start`` None: the whole day (a visit without a time)."""

    day: date
    start: time | None
    minutes: int | None
    label: str = ""

    def span(self) -> tuple[int, int]:
        """Minutes from midnight: [from, to)."""
        if self.start is None:
            return 0, 24 * 60
        begin = self.start.hour * 60 + self.start.minute
        return begin, begin + (self.minutes or 0)

    def describe(self) -> str:
        """``Tue 02 Dec 08:00–10:00`` or ``… all day``."""
        if self.start is None:
            return f"{self.day:%a %d %b} all day"
        begin, end = self.span()
        return (
            f"{self.day:%a %d %b} {begin // 60:02d}:{begin % 60:02d}–{end // 60:02d}:{end % 60:02d}"
        )


def parse_time(text: str, field: str = "start") -> time:
    """``HH:MM`` as a time; InvalidInput naming the field otherwise."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise InvalidInput(f"{field}: a time of day as HH:MM, not {text!r}") from None


def is_weekend(day: date) -> bool:
    """Saturday or Sunday."""
    return day.weekday() >= 5


def clash(slot: Slot, others: Sequence[Slot]) -> Slot | None:
    """The first of ``others`` on the same day whose time overlaps ``slot``; None when free."""
    begin, end = slot.span()
    for other in others:
        if other.day != slot.day:
            continue
        b, e = other.span()
        if begin < e and b < end:
            return other
    return None


def check_slot(
    slot: Slot,
    others: Sequence[Slot],
    allow_weekends: bool,
    required_skill: str | None,
    skills: Iterable[str],
    technician: str,
) -> None:
    """Refuse a slot: a weekend day (422 unless allowed), a technician without the required
    skill (422), an overlap with another job (409 naming it)."""
    if slot.minutes is not None and not 15 <= slot.minutes <= 24 * 60:
        raise InvalidInput("minutes: between 15 and 1440")
    if slot.start is not None:
        _begin, end = slot.span()
        if end > 24 * 60:
            raise InvalidInput("minutes: the job would run past midnight")
    if is_weekend(slot.day) and not allow_weekends:
        raise InvalidInput(
            f"day: {slot.day:%A %d %B} is a weekend day; work is scheduled Monday to Friday "
            "(SERVITIZE_WORK_ALLOW_WEEKENDS allows weekends)"
        )
    if required_skill and required_skill not in set(skills):
        raise InvalidInput(
            f"technician_id: {technician} does not have the skill {required_skill!r} this "
            "work order needs"
        )
    found = clash(slot, others)
    if found is not None:
        raise Conflict(
            f"start: {technician} is busy {found.describe()}"
            + (f" ({found.label})" if found.label else "")
        )


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def board_days(monday: date, weekends: bool) -> list[date]:
    """The board's columns: Monday to Friday, or to Sunday with weekends shown."""
    return [monday + timedelta(days=i) for i in range(7 if weekends else 5)]


# ---- photos -------------------------------------------------------------------------------------

_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def check_photo(content_type: str, data: bytes, allowed: Sequence[str], max_bytes: int) -> str:
    """The file extension of an acceptable photo; InvalidInput naming ``photo`` otherwise (a
    type not allowed, a file too large or empty, content that is not the type it says)."""
    if content_type not in allowed or content_type not in _MAGIC:
        raise InvalidInput(f"photo: a {', '.join(allowed)} file, not {content_type or 'unknown'}")
    if not data:
        raise InvalidInput("photo: the file is empty")
    if len(data) > max_bytes:
        raise InvalidInput(f"photo: {len(data):,} bytes; at most {max_bytes:,}")
    if not data.startswith(_MAGIC[content_type]) or (
        content_type == "image/webp" and data[8:12] != b"WEBP"
    ):
        raise InvalidInput(f"photo: the file is not a {content_type} picture")
    return EXTENSIONS[content_type]
