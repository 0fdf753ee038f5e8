"""One scorecard for sales and service: the same numbers on the sales manager's and the service
manager's page, so neither is measured against the other (the misaligned indicators that keep
technicians from selling).

Leads raised by technicians and taken on by sales, turnaround per stage, conversion of
technicians' leads against the analytics' leads, service revenue against a baseline period,
first-time fix rate, availability delivered against promised, the attach rate of services to
machine sales, installed-base coverage by contracts; and recognition for the salespeople who
close technicians' leads (counts, never commission amounts).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from servitize.kpis import repository as repo
from servitize.kpis import rules
from servitize.kpis.period import Window, add_months, month_of
from servitize.trust.context import Context

ANALYTICS = {"rule", "model"}
ATTACH_DAYS = 90  # a service contract or order within this many days of a machine sale
FIX_DAYS = 30  # no repeat repair of the machine within this many days: fixed the first time


@dataclass(frozen=True)
class Measure:
    """One line of the scorecard: the window's figure and its month-by-month trend."""

    key: str
    label: str
    figure: rules.Figure
    trend: list[tuple[str, Decimal | None]]


@dataclass(frozen=True)
class Recognition:
    """A salesperson who closed technicians' leads, and how many."""

    user_id: int
    name: str
    won: int


@dataclass(frozen=True)
class Scorecard:
    period: str
    baseline: str
    currency: str
    measures: list[Measure]
    recognition: list[Recognition]

    def get(self, key: str) -> Measure:
        return next(m for m in self.measures if m.key == key)


def _technician(f: repo.LeadFact) -> bool:
    return f.source == "technician" or f.reported_by_id is not None


def _won(f: repo.LeadFact) -> bool:
    return f.stage == "won" or f.opportunity_status == "won" or f.status == "converted"


def _taken_on(f: repo.LeadFact) -> bool:
    return f.opportunity_id is not None or (
        f.route == "account_owner" and f.first_action_at is not None
    )


def _days(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None or b < a:
        return None
    return (b - a).total_seconds() / 86400


def _median_figure(values: Sequence[float], method: str, period: str, why: str) -> rules.Figure:
    m = rules.median(values)
    if m is None:
        return rules.Figure(None, "days", method, period, None, why, 0)
    return rules.Figure(
        Decimal(str(m)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        "days",
        method,
        period,
        count=len(values),
    )


def _monthly(
    win: Window, items: Sequence[repo.LeadFact], fn: Callable[[list[repo.LeadFact]], rules.Figure]
) -> list[tuple[str, Decimal | None]]:
    by_month: dict[str, list[repo.LeadFact]] = defaultdict(list)
    for f in items:
        by_month[month_of(f.as_of)].append(f)
    return [(m, fn(by_month.get(m, [])).value) for m in win.months]


def scorecard(ctx: Context, win: Window, baseline: Window | None = None) -> Scorecard:
    """The scorecard of the window; service revenue compared with ``baseline`` (by default the
    same months a year earlier)."""
    s = ctx.session
    scope = repo.scope_of(ctx.user)
    currency = ctx.settings.company_currency
    period = win.label
    if baseline is None:
        baseline = Window(tuple(add_months(m, -12) for m in win.months))
    leads = repo.lead_facts(s, scope, win.start, win.end)
    tech = [f for f in leads if _technician(f)]
    analytics = [f for f in leads if f.source in ANALYTICS and f.reported_by_id is None]
    measures: list[Measure] = []

    def raised(items: list[repo.LeadFact]) -> rules.Figure:
        return rules.Figure(
            Decimal(sum(1 for f in items if _technician(f))),
            "count",
            "leads raised by technicians (reported on site)",
            period,
        )

    measures.append(
        Measure(
            "tech_leads", "Leads raised by technicians", raised(leads), _monthly(win, leads, raised)
        )
    )

    def taken(items: list[repo.LeadFact]) -> rules.Figure:
        mine = [f for f in items if _technician(f)]
        return rules.share(
            sum(1 for f in mine if _taken_on(f)),
            len(mine),
            "technicians' leads taken on by sales (an opportunity opened, or the account owner "
            "acted)",
            period,
            "no lead raised by a technician",
        )

    measures.append(
        Measure("taken_on", "Taken on by sales", taken(tech), _monthly(win, tech, taken))
    )

    stages = (
        ("to_action", "Turnaround: reported to first action", "reported_at", "first_action_at"),
        ("to_proposal", "Turnaround: first action to proposal", "first_action_at", "proposal_at"),
        ("to_close", "Turnaround: proposal to won or lost", "proposal_at", "closed_at"),
    )
    for key, label, a, b in stages:

        def turnaround(items: list[repo.LeadFact], a: str = a, b: str = b) -> rules.Figure:
            values = [d for f in items if (d := _days(getattr(f, a), getattr(f, b))) is not None]
            return _median_figure(
                values,
                f"median days from {a.removesuffix('_at')} to {b.removesuffix('_at')} of the "
                "routed leads",
                period,
                "no routed lead reached this stage",
            )

        measures.append(Measure(key, label, turnaround(leads), _monthly(win, leads, turnaround)))

    def conversion(kind: str) -> Callable[[list[repo.LeadFact]], rules.Figure]:
        def fn(items: list[repo.LeadFact]) -> rules.Figure:
            mine = [
                f
                for f in items
                if (
                    _technician(f)
                    if kind == "technician"
                    else (f.source in ANALYTICS and f.reported_by_id is None)
                )
            ]
            return rules.share(
                sum(1 for f in mine if _won(f)),
                len(mine),
                f"{kind} leads won (routed lead won, opportunity won or lead converted)",
                period,
                f"no {kind} lead in the period",
            )

        return fn

    measures.append(
        Measure(
            "conv_tech",
            "Conversion of technicians' leads",
            conversion("technician")(tech),
            _monthly(win, tech, conversion("technician")),
        )
    )
    measures.append(
        Measure(
            "conv_analytics",
            "Conversion of analytics leads",
            conversion("analytics")(analytics),
            _monthly(win, analytics, conversion("analytics")),
        )
    )

    measures.append(_uplift(ctx, scope, win, baseline, currency))
    measures.append(_first_time_fix(ctx, scope, win))
    measures.extend(_availability(ctx, scope, win))
    measures.append(_attach(ctx, scope, win))
    measures.append(_coverage(ctx, scope, win))
    return Scorecard(period, baseline.label, currency, measures, _recognition(ctx, tech))


def _service_revenue(ctx: Context, scope: repo.Scope, win: Window) -> int:
    billed = repo.billed_cents(ctx.session, scope, win.first, win.last)
    orders = repo.order_facts(ctx.session, scope, win.end, win.start)
    return billed + sum(o.amount_cents for o in orders if o.revenue_model != "one_time")


def _uplift(
    ctx: Context, scope: repo.Scope, win: Window, baseline: Window, currency: str
) -> Measure:
    now = _service_revenue(ctx, scope, win)
    before = _service_revenue(ctx, scope, baseline)
    method = (
        f"service revenue (billed contracts and service orders) of {win.label} against "
        f"{baseline.label}: {now / 100:,.2f} against {before / 100:,.2f} {currency}"
    )
    if before <= 0:
        fig = rules.Figure(
            None,
            "percent",
            method,
            win.label,
            currency,
            f"no service revenue in the baseline {baseline.label}",
        )
    else:
        fig = rules.Figure(
            (Decimal(100) * (now - before) / before).quantize(Decimal("0.1"), ROUND_HALF_UP),
            "percent",
            method,
            win.label,
            currency,
        )
    trend = []
    for m in win.months:
        one, base = Window((m,)), Window((add_months(m, -12),))
        a, b = _service_revenue(ctx, scope, one), _service_revenue(ctx, scope, base)
        trend.append((m, (Decimal(100) * (a - b) / b).quantize(Decimal("0.1")) if b > 0 else None))
    return Measure("uplift", "Service revenue uplift against the baseline", fig, trend)


def _first_time_fix(ctx: Context, scope: repo.Scope, win: Window) -> Measure:
    repairs = repo.repairs(ctx.session, scope, win.start, win.end)
    method = f"repairs with no repeat repair of the machine within {FIX_DAYS} days"

    def fig(items: list[tuple[int, date]]) -> rules.Figure:
        fixed, total = rules.first_time_fixes(items, FIX_DAYS)
        return rules.share(fixed, total, method, win.label, "no repair in the period")

    by_month: dict[str, list[tuple[int, date]]] = defaultdict(list)
    for a, d in repairs:
        by_month[month_of(d)].append((a, d))
    return Measure(
        "ftfr",
        "First-time fix rate",
        fig(repairs),
        [(m, fig(by_month.get(m, [])).value) for m in win.months],
    )


def _availability(ctx: Context, scope: repo.Scope, win: Window) -> list[Measure]:
    rows = repo.settlements(ctx.session, scope, win.first, win.last)
    measured = [float(r["measured_pct"]) for r in rows if r.get("measured_pct") is not None]
    promised = [float(r["target_pct"]) for r in rows if r.get("target_pct") is not None]
    why = "no availability contract settled in the period"

    def mean(values: list[float], method: str) -> rules.Figure:
        if not values:
            return rules.Figure(None, "percent", method, win.label, None, why, 0)
        return rules.Figure(
            Decimal(str(sum(values) / len(values))).quantize(Decimal("0.01"), ROUND_HALF_UP),
            "percent",
            method,
            win.label,
            count=len(values),
        )

    on_target = sum(
        1
        for r in rows
        if r.get("measured_pct") is not None and float(r["measured_pct"]) >= float(r["target_pct"])
    )
    return [
        Measure(
            "availability_delivered",
            "Availability delivered",
            mean(measured, "mean measured availability of the settled contract-months"),
            [],
        ),
        Measure(
            "availability_promised",
            "Availability promised",
            mean(promised, "mean guaranteed availability of the settled contract-months"),
            [],
        ),
        Measure(
            "availability_on_target",
            "Contract-months on target",
            rules.share(
                on_target,
                len(measured),
                "contract-months whose measured availability met the guarantee",
                win.label,
                why,
            ),
            [],
        ),
    ]


def _attach(ctx: Context, scope: repo.Scope, win: Window) -> Measure:
    from datetime import timedelta

    orders = repo.order_facts(ctx.session, scope, win.end + timedelta(days=ATTACH_DAYS))
    contracts = repo.contract_facts(ctx.session, scope, win.end + timedelta(days=ATTACH_DAYS))
    services: dict[int, list[date]] = defaultdict(list)
    for o in orders:
        if o.revenue_model != "one_time":
            services[o.account_id].append(o.day)
    for c in contracts:
        services[c.account_id].append(c.start_on)
    machines = [
        o
        for o in orders
        if o.revenue_model == "one_time" and o.shell == "product" and win.start <= o.day <= win.end
    ]
    method = f"machine sales with a service order or contract within {ATTACH_DAYS} days"

    def fig(items: list[repo.OrderFact]) -> rules.Figure:
        attached = sum(
            1
            for o in items
            if any(0 <= (d - o.day).days <= ATTACH_DAYS for d in services.get(o.account_id, []))
        )
        return rules.share(attached, len(items), method, win.label, "no machine sold in the period")

    by_month: dict[str, list[repo.OrderFact]] = defaultdict(list)
    for o in machines:
        by_month[month_of(o.day)].append(o)
    return Measure(
        "attach",
        "Attach rate of services to machine sales",
        fig(machines),
        [(m, fig(by_month.get(m, [])).value) for m in win.months],
    )


def _coverage(ctx: Context, scope: repo.Scope, win: Window) -> Measure:
    own = repo.own_assets(ctx.session, scope)
    method = "own machines under a running contract at the month's last day"
    trend = []
    fig = rules.share(0, 0, method, win.last, "no machine of ours in the installed base")
    for m in win.months:
        day = Window((m,)).end
        covered = repo.covered_assets(ctx.session, scope, day)
        fig = rules.share(
            sum(1 for a in own if a in covered),
            len(own),
            method,
            m,
            "no machine of ours in the installed base",
        )
        trend.append((m, fig.value))
    return Measure("coverage", "Installed base covered by contracts", fig, trend)


def _recognition(ctx: Context, tech: list[repo.LeadFact]) -> list[Recognition]:
    won: Counter[int] = Counter()
    for f in tech:
        if f.opportunity_status == "won" and f.opportunity_owner_id is not None:
            won[f.opportunity_owner_id] += 1
    names = repo.user_names(ctx.session, won)
    return [Recognition(u, names.get(u, str(u)), n) for u, n in won.most_common()]
