"""The window a measure covers, as people ask for it: from a month to a month, and who may see
the measures (the ``kpis.view`` action: account owners only their own accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from servitize.core.errors import InvalidInput
from servitize.installed_base.access import may, require
from servitize.trust.context import Context
from servitize.trust.models import Role

MAX_MONTHS = 60


@dataclass(frozen=True)
class Window:
    """Months ``first`` to ``last`` (``YYYY-MM``, both included)."""

    months: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    @property
    def start(self) -> date:
        return date.fromisoformat(self.first + "-01")

    @property
    def end(self) -> date:
        """The last day of the last month."""
        y, m = (int(p) for p in self.last.split("-"))
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        return nxt - timedelta(days=1)

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first} to {self.last}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = (int(p) for p in month.split("-"))
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _is_month(value: str) -> bool:
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return False
    if len(parts[0]) != 4 or len(parts[1]) != 2:
        return False
    return 1 <= int(parts[1]) <= 12 and int(parts[0]) >= 1


def window(start: str | None, end: str | None, today: date, default_months: int = 12) -> Window:
    """The months from ``start`` to ``end``; by default the ``default_months`` before today's."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and not _is_month(value):
            raise InvalidInput(f"{name}: a month is written YYYY-MM (got {value!r})")
    last = end or add_months(month_of(today), -1)
    first = start or add_months(last, -(default_months - 1))
    if first > last:
        raise InvalidInput("end: lies before start")
    months = [first]
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
        if len(months) > MAX_MONTHS:
            raise InvalidInput(f"end: at most {MAX_MONTHS} months at once")
    return Window(tuple(months))


def owner_filter(ctx: Context, owner_id: int | None) -> int | None:
    """Who may see the measures: everyone the ``kpis.view`` action allows; an account owner
    only their own accounts' (their own id is the filter when they name none)."""
    if ctx.user.role == Role.account_owner.value:
        owner_id = ctx.user.id if owner_id is None else owner_id
        require(ctx.user, "kpis.view", own=owner_id == ctx.user.id)
        return owner_id
    require(ctx.user, "kpis.view", own=False)
    return owner_id


def may_record_spend(ctx: Context) -> bool:
    return may(ctx.user, "spend.record")


def may_record_effort(ctx: Context) -> bool:
    return may(ctx.user, "effort.record")
