"""The arithmetic of the organisation's measures, on plain data: no database, no I/O.

- **Effort** is priced at the loaded cost rate of the person's role in their region on the day
  (a region's own rate before the rate for every region; the newest rate valid on the day).
- **Attribution** of spend to the acquisitions it touched: ``first`` touch (all credit to the
  earliest touch), ``last`` touch (to the latest) or ``linear`` (equal shares). A spend's amount
  is split over the acquisitions it earned credit in, in proportion to that credit, to the cent.
- **Acquisition**: the first won contract or order of a customer; and at an existing customer,
  the first of a revenue stream it never bought before. Both are counted, never mixed.
- **MRR measures**: net revenue retention, logo churn, gross revenue churn and cohort retention
  from each account's MRR per month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

AttributionRule = Literal["first", "last", "linear"]
ATTRIBUTION_RULES: dict[str, str] = {
    "first": "first touch: all credit to the earliest touch before the acquisition",
    "last": "last touch: all credit to the latest touch before the acquisition",
    "linear": "linear: equal credit to every touch before the acquisition",
}
Grain = Literal["month", "quarter", "year"]

# Default hours of a piece of sales effort when the person enters none: per activity template
# code, else per layer of the service blueprint; a visit's and a lead's own default.
DEFAULT_HOURS_BY_CODE: dict[str, Decimal] = {
    "regular_visits": Decimal("3"),
    "validation_meeting": Decimal("4"),
    "layout_codesign": Decimal("16"),
    "feasibility_study": Decimal("24"),
    "value_quantification": Decimal("8"),
    "budget_offer": Decimal("8"),
    "customer_profiling": Decimal("4"),
}
DEFAULT_HOURS_BY_LAYER: dict[str, Decimal] = {
    "onstage": Decimal("3"),
    "backstage": Decimal("4"),
    "support": Decimal("4"),
    "capabilities": Decimal("1"),
    "management": Decimal("1"),
    "customer": Decimal("0"),
}
DEFAULT_HOURS_VISIT = Decimal("1")  # the selling part of a service visit
DEFAULT_HOURS_LEAD = Decimal("0.5")  # reporting or taking on a lead
FALLBACK_HOURS = Decimal("2")


def default_hours(
    subject: Literal["activity", "visit", "lead"], code: str | None = None, layer: str | None = None
) -> Decimal:
    """The hours recorded when a person enters none (see the tables above)."""
    if subject == "visit":
        return DEFAULT_HOURS_VISIT
    if subject == "lead":
        return DEFAULT_HOURS_LEAD
    if code and code in DEFAULT_HOURS_BY_CODE:
        return DEFAULT_HOURS_BY_CODE[code]
    if layer and layer in DEFAULT_HOURS_BY_LAYER:
        return DEFAULT_HOURS_BY_LAYER[layer]
    return FALLBACK_HOURS


@dataclass(frozen=True)
class Rate:
    """A loaded cost rate: role, region (None: any), from a day on, cents per hour."""

    role: str
    region: str | None
    valid_from: date
    cents_per_hour: int


def rate_for(rates: Iterable[Rate], role: str, region: str | None, day: date) -> Rate | None:
    """The rate of ``role`` in ``region`` on ``day``: the region's own newest rate valid on the
    day, else the newest rate for every region; None when there is none."""
    valid = [r for r in rates if r.role == role and r.valid_from <= day]
    own = [r for r in valid if region is not None and r.region == region]
    anywhere = [r for r in valid if r.region is None]
    for pool in (own, anywhere):
        if pool:
            return max(pool, key=lambda r: r.valid_from)
    return None


def effort_cents(hours: Decimal, cents_per_hour: int) -> int:
    """Hours × rate, rounded half up to a whole cent."""
    return int((hours * cents_per_hour).to_integral_value(rounding=ROUND_HALF_UP))


def credit(count: int, rule: AttributionRule) -> list[Fraction]:
    """Credit of each of ``count`` touches (oldest first) in one acquisition under ``rule``."""
    if count <= 0:
        return []
    if rule == "first":
        return [Fraction(1)] + [Fraction(0)] * (count - 1)
    if rule == "last":
        return [Fraction(0)] * (count - 1) + [Fraction(1)]
    if rule == "linear":
        return [Fraction(1, count)] * count
    raise ValueError(f"unknown attribution rule {rule!r}")


def split_cents(amount_cents: int, weights: Sequence[Fraction]) -> list[int]:
    """``amount_cents`` split in proportion to ``weights``, to whole cents that add up to the
    amount (largest remainder; ties to the earlier share). All zero weights: all zero."""
    total = sum(weights, Fraction(0))
    if total == 0:
        return [0] * len(weights)
    exact = [amount_cents * w / total for w in weights]
    floors = [int(x.numerator // x.denominator) for x in exact]
    left = amount_cents - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class TouchRow:
    """A spend reached an account on a day."""

    spend_id: int
    account_id: int
    day: date
    id: int = 0


@dataclass(frozen=True)
class SpendRow:
    """A spend (campaign, fair, commission) over its days."""

    id: int
    kind: str
    channel: str
    start_on: date
    end_on: date
    amount_cents: int
    account_id: int | None = None


def attribute(
    spends: Sequence[SpendRow],
    touches: Sequence[TouchRow],
    windows: Mapping[int, tuple[int, date | None, date]],
    rule: AttributionRule,
) -> tuple[dict[int, int], dict[int, int]]:
    """Campaign and fair spend attributed to acquisitions.

    ``windows``: acquisition key -> (account, day after which its touches count (None: from the
    start), acquisition day). Returns (cents per acquisition key, unattributed cents per spend).
    Commissions are not attributed here (they belong to their account's acquisition directly).
    """
    by_account: dict[int, list[TouchRow]] = defaultdict(list)
    for t in touches:
        by_account[t.account_id].append(t)
    # credit[spend][acquisition]
    credits: dict[int, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for key, (account, after, upto) in windows.items():
        mine = sorted(
            (
                t
                for t in by_account.get(account, [])
                if t.day <= upto and (after is None or t.day > after)
            ),
            key=lambda t: (t.day, t.id),
        )
        for t, c in zip(mine, credit(len(mine), rule), strict=True):
            if c:
                credits[t.spend_id][key] += c
    attributed: dict[int, int] = defaultdict(int)
    unattributed: dict[int, int] = {}
    for s in spends:
        if s.kind == "commission":
            continue
        earned = credits.get(s.id, {})
        keys = sorted(earned)
        if not keys:
            unattributed[s.id] = s.amount_cents
            continue
        for key, cents in zip(
            keys, split_cents(s.amount_cents, [earned[k] for k in keys]), strict=True
        ):
            attributed[key] += cents
    return dict(attributed), unattributed


# Revenue streams: what a contract kind or an order's revenue model is part of.
STREAMS: dict[str, str] = {
    "one_time": "machines",
    "per_service": "service",
    "service_agreement": "service",
    "subscription": "subscription",
    "licence": "subscription",
    "usage": "subscription",
    "availability": "availability",
    "availability_contract": "availability",
}


def stream_of(kind: str) -> str:
    """The revenue stream of a contract kind or an offering's revenue model."""
    return STREAMS.get(kind, kind)


@dataclass(frozen=True)
class Sale:
    """A won contract or order: who bought what stream on which day, through which channel."""

    account_id: int
    day: date
    stream: str
    source: str  # "contract" or "order"
    ref: int
    channel: str
    owner_id: int | None = None


@dataclass(frozen=True)
class Acquisition:
    """A customer's first purchase (``kind`` customer) or a new stream's (``kind`` stream)."""

    kind: Literal["customer", "stream"]
    sale: Sale
    after: date | None  # the account's previous acquisition day (None for a new customer)


def acquisitions(sales: Iterable[Sale]) -> list[Acquisition]:
    """Every acquisition in ``sales``, oldest first.

    A customer's first day of buying is one customer acquisition (whatever it bought that day);
    each later first purchase of another stream is a stream acquisition."""
    out: list[Acquisition] = []
    seen: dict[int, set[str]] = {}
    last_day: dict[int, date] = {}
    for s in sorted(sales, key=lambda s: (s.day, s.account_id, s.source, s.ref)):
        streams = seen.get(s.account_id)
        if streams is None:
            seen[s.account_id] = {s.stream}
            last_day[s.account_id] = s.day
            out.append(Acquisition("customer", s, None))
            continue
        if s.stream in streams:
            continue
        streams.add(s.stream)
        first = next(a for a in out if a.sale.account_id == s.account_id and a.kind == "customer")
        if first.sale.day == s.day:
            continue  # bought with the first purchase: part of the customer's acquisition
        out.append(Acquisition("stream", s, last_day[s.account_id]))
        last_day[s.account_id] = s.day
    return out


def bucket(day: date, grain: Grain) -> str:
    """The period a day falls in: ``2026-03``, ``2026-Q1`` or ``2026``."""
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def days_in(start: date, end: date, lo: date, hi: date) -> int:
    """Days of [start, end] (both inclusive) that fall in [lo, hi] (both inclusive)."""
    a, b = max(start, lo), min(end, hi)
    return max((b - a).days + 1, 0)


@dataclass(frozen=True)
class Figure:
    """One number as people read it: its value, or why there is none; its method and period."""

    value: Decimal | None
    unit: str  # cents, percent, months, ratio, count
    method: str
    period: str
    currency: str | None = None
    reason: str | None = None
    count: int | None = None  # how many it is an average of, where that matters

    @property
    def computed(self) -> bool:
        return self.value is not None


@dataclass
class CacGroup:
    """The acquisitions of one group (a channel, a segment, ...) and what they cost."""

    key: str
    acquisitions: int = 0
    direct_cents: int = 0
    loaded_cents: int = 0
    uncosted_hours: Decimal = Decimal(0)
    costed: int = 0  # acquisitions with any cost recorded
    notes: set[str] = field(default_factory=set)


def cac_figure(group: CacGroup, loaded: bool, period: str, currency: str) -> Figure:
    """The average acquisition cost of a group, or why it cannot be given."""
    method = (
        "fully loaded CAC: direct cost plus an equal share of the period's other sales and "
        "marketing cost, per acquisition"
        if loaded
        else "direct CAC: priced effort on the account's leads, activities and visits, its "
        "commissions and attributed campaign spend since its previous acquisition"
    )
    if group.acquisitions == 0:
        return Figure(None, "cents", method, period, currency, "no acquisition in the period", 0)
    if group.uncosted_hours:
        return Figure(
            None,
            "cents",
            method,
            period,
            currency,
            f"{group.uncosted_hours} h of effort have no cost rate for their role and region",
            group.acquisitions,
        )
    total = group.loaded_cents if loaded else group.direct_cents
    if total == 0:
        return Figure(
            None,
            "cents",
            method,
            period,
            currency,
            "no effort or spend recorded",
            group.acquisitions,
        )
    value = (Decimal(total) / group.acquisitions).to_integral_value(rounding=ROUND_HALF_UP)
    return Figure(value, "cents", method, period, currency, None, group.acquisitions)


def payback_months(cac_cents: int, monthly_margin_cents: int) -> Decimal | None:
    """Months of recurring margin that pay back the acquisition cost (one decimal); None when
    the customer brings no recurring margin."""
    if monthly_margin_cents <= 0:
        return None
    return (Decimal(cac_cents) / monthly_margin_cents).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def monthly_discount(annual_pct: float) -> Decimal:
    """The monthly rate equivalent to a yearly discount rate in percent."""
    return Decimal(str((1 + annual_pct / 100) ** (1 / 12) - 1))


def clv_constant_retention(
    monthly_margin_cents: int, retention: Decimal, monthly_rate: Decimal, months: int
) -> int:
    """Σ_{t=1..months} margin × retention^(t−1) / (1 + rate)^t: the margin multiple with a
    constant monthly retention, discounted, to whole cents."""
    total = Decimal(0)
    for t in range(1, months + 1):
        total += Decimal(monthly_margin_cents) * retention ** (t - 1) / (1 + monthly_rate) ** t
    return int(total.to_integral_value(rounding=ROUND_HALF_UP))


Series = Mapping[str, Mapping[str, int]]  # account -> month -> MRR cents


def _paying(series: Series, month: str) -> dict[str, int]:
    return {a: s.get(month, 0) for a, s in series.items() if s.get(month, 0) > 0}


def net_revenue_retention(series: Series, start: str, end: str) -> Figure:
    """MRR at ``end`` of the accounts paying at ``start``, over their MRR at ``start`` (%)."""
    period = f"{start} to {end}"
    method = (
        "net revenue retention: MRR of the start month's customers at the end over at the start"
    )
    base = _paying(series, start)
    if not base:
        return Figure(None, "percent", method, period, None, f"no recurring revenue in {start}")
    now = sum(series[a].get(end, 0) for a in base)
    return Figure(_pct(now, sum(base.values())), "percent", method, period, count=len(base))


def logo_churn(series: Series, start: str, end: str) -> Figure:
    """Share of the accounts paying at ``start`` that pay nothing at ``end`` (%)."""
    period = f"{start} to {end}"
    method = "logo churn: customers paying in the start month who pay nothing in the end month"
    base = _paying(series, start)
    if not base:
        return Figure(None, "percent", method, period, None, f"no paying customer in {start}")
    gone = sum(1 for a in base if series[a].get(end, 0) <= 0)
    return Figure(_pct(gone, len(base)), "percent", method, period, count=len(base))


def revenue_churn(series: Series, start: str, end: str) -> Figure:
    """Gross revenue churn: MRR lost or contracted by the accounts paying at ``start`` (%)."""
    period = f"{start} to {end}"
    method = "gross revenue churn: MRR lost or contracted by the start month's customers"
    base = _paying(series, start)
    if not base:
        return Figure(None, "percent", method, period, None, f"no recurring revenue in {start}")
    lost = sum(max(v - series[a].get(end, 0), 0) for a, v in base.items())
    return Figure(_pct(lost, sum(base.values())), "percent", method, period, count=len(base))


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cohort:
    """Customers whose recurring revenue started in one month, and how many still pay after
    0, 1, 2, … months (logo) and what share of their first month's MRR they pay (revenue)."""

    month: str
    size: int
    logo_pct: list[Decimal]
    revenue_pct: list[Decimal]
    reason: str | None = None


def cohorts(series: Series, months: Sequence[str], min_size: int = 3) -> list[Cohort]:
    """A cohort per start month in ``months`` (sorted); a cohort below ``min_size`` accounts
    keeps its size and says so instead of showing a curve."""
    first: dict[str, str] = {}
    for account, s in series.items():
        paid = sorted(m for m, v in s.items() if v > 0)
        if paid:
            first[account] = paid[0]
    out: list[Cohort] = []
    for i, month in enumerate(months):
        members = [a for a, m in first.items() if m == month]
        if not members:
            continue
        if len(members) < min_size:
            out.append(
                Cohort(month, len(members), [], [], f"fewer than {min_size} customers started")
            )
            continue
        start_mrr = sum(series[a][month] for a in members)
        logo, revenue = [], []
        for later in months[i:]:
            logo.append(_pct(sum(1 for a in members if series[a].get(later, 0) > 0), len(members)))
            revenue.append(_pct(sum(series[a].get(later, 0) for a in members), start_mrr))
        out.append(Cohort(month, len(members), logo, revenue))
    return out


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def share(part: int, whole: int, method: str, period: str, why_none: str) -> Figure:
    """``part`` of ``whole`` in percent, or why there is none."""
    if whole <= 0:
        return Figure(None, "percent", method, period, None, why_none, 0)
    return Figure(_pct(part, whole), "percent", method, period, count=whole)


def first_time_fixes(repairs: Iterable[tuple[int, date]], within_days: int = 30) -> tuple[int, int]:
    """(first-time fixes, repairs): a repair of a machine is fixed the first time when the same
    machine needs no other repair within ``within_days`` after it."""
    by_asset: dict[int, list[date]] = defaultdict(list)
    for asset, day in repairs:
        by_asset[asset].append(day)
    fixed = total = 0
    for days in by_asset.values():
        days.sort()
        for i, d in enumerate(days):
            total += 1
            nxt = days[i + 1] if i + 1 < len(days) else None
            if nxt is None or (nxt - d).days > within_days:
                fixed += 1
    return fixed, total
