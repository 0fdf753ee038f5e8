"""Recurring revenue: MRR and ARR with offers' movements, net revenue retention, logo and revenue
churn, and cohort retention curves, from each account's contracts month by month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from servitize.kpis import repository as repo
from servitize.kpis import rules
from servitize.kpis.period import Window, add_months
from servitize.offers.lifecycle import mrr_by_account
from servitize.offers.mrr import Movements, movements
from servitize.offers.proration import month_span
from servitize.trust.context import Context

HISTORY_MONTHS = 12  # before the window: tells a reactivation from a new customer


@dataclass(frozen=True)
class RecurringReport:
    period: str
    currency: str
    months: list[Movements]
    mrr: rules.Figure
    arr: rules.Figure
    nrr: rules.Figure
    logo_churn: rules.Figure
    revenue_churn: rules.Figure
    cohorts: list[rules.Cohort]
    series: dict[str, dict[str, int]]


def mrr_series(
    ctx: Context,
    months: list[str],
    owner_id: int | None = None,
    scope: repo.Scope | None = None,
) -> dict[str, dict[str, int]]:
    """MRR at each month's last day per account the user may see (in minor units of the company
    currency); the same figures as offers' MRR bridge (lifecycle.mrr_by_account)."""
    if scope is None:
        scope = repo.scope_of(ctx.user, owner_id)
    first, last = month_span(months[0]), month_span(months[-1])
    contracts = repo.contracts_running(ctx.session, first.start, last.end, scope)
    series, _left_out = mrr_by_account(ctx, contracts, months)
    return series


def recurring(ctx: Context, win: Window, owner_id: int | None = None) -> RecurringReport:
    """The window's MRR bridge, retention and churn from its first to its last month, and the
    retention curve of each cohort that started paying in the window."""
    currency = ctx.settings.company_currency
    history = [add_months(win.first, -k) for k in range(HISTORY_MONTHS, 0, -1)]
    all_months = [*history, *win.months]
    series = mrr_series(ctx, all_months, owner_id)
    bridge = movements(series, all_months)[HISTORY_MONTHS:]
    closing = bridge[-1].closing_cents if bridge else 0
    at = win.last
    mrr = rules.Figure(
        Decimal(closing),
        "cents",
        "MRR: recurring fees normalised to a month, at the month's last day",
        at,
        currency,
        None if closing else "no contract running",
    )
    arr = rules.Figure(
        Decimal(closing * 12),
        "cents",
        "ARR: MRR × 12",
        at,
        currency,
        None if closing else "no contract running",
    )
    if closing == 0:
        mrr = rules.Figure(None, mrr.unit, mrr.method, at, currency, "no contract running")
        arr = rules.Figure(None, arr.unit, arr.method, at, currency, "no contract running")
    window_series = {a: {m: v for m, v in s.items() if m >= win.first} for a, s in series.items()}
    # Cohorts: customers whose first paid month (in the history too) lies in the window.
    started = {
        a: s
        for a, s in series.items()
        if any(v > 0 for v in s.values()) and min(m for m, v in s.items() if v > 0) >= win.first
    }
    return RecurringReport(
        win.label,
        currency,
        bridge,
        mrr,
        arr,
        rules.net_revenue_retention(window_series, win.first, win.last),
        rules.logo_churn(window_series, win.first, win.last),
        rules.revenue_churn(window_series, win.first, win.last),
        rules.cohorts(started, list(win.months), ctx.settings.kpis.min_cohort),
        window_series,
    )
