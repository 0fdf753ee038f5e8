"""Customer lifetime value per account, the method named on every figure, and CLV/CAC.

- Contractual revenue (subscriptions, service and availability contracts): the account's
  monthly margin now (fee less the quote line's cost) × 12, times the discounted expected
  number of yearly payments still to come in its cohort (customers whose contracts started in
  the same year): the shifted-beta-geometric fit where the cohort allows, the
  constant-retention multiple where it does not, with the reason (kpis.clv.sbg).
- Non-contractual repeat purchases (spare parts, time and material): BG/NBD for how many,
  Gamma-Gamma for their value, fitted on the order history in weeks, scored over the horizon
  in monthly steps at the company's rate, at the order margin of the settings (kpis.clv.score).
- CLV is the sum; CLV/CAC divides the mean CLV of the customers won in the window by their
  fully loaded CAC, per segment and per organisation type.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from servitize.core.errors import InvalidInput
from servitize.kpis import acquisition, recurring, rules
from servitize.kpis import repository as repo
from servitize.kpis.clv import bgnbd, holdout, sbg, score
from servitize.kpis.period import Window, add_months, month_of
from servitize.kpis.types_served import words_by_account
from servitize.offers.price_models import Period
from servitize.trust.context import Context

MAX_MONTHS = 120
PERIOD_DAYS = 7.0  # the repeat-purchase models count in weeks
REPEAT_MODELS = {"one_time", "per_service"}  # orders that are no contract...
MACHINES = {"product"}  # ...and no machine sale (a machine is no repeat purchase)


@dataclass
class AccountValue:
    account_id: int
    account: str
    segment: str
    org_type: str
    contract_cents: int | None = None
    contract_method: str | None = None
    orders_cents: int | None = None
    orders_method: str | None = None

    @property
    def total_cents(self) -> int | None:
        parts = [p for p in (self.contract_cents, self.orders_cents) if p is not None]
        return sum(parts) if parts else None


@dataclass
class ClvReport:
    as_of: str
    currency: str
    horizon_months: int
    discount_pct: float
    accounts: list[AccountValue]
    cohorts: list[dict[str, object]]
    repeat_method: str | None
    repeat_reason: str | None
    holdout: list[holdout.HoldoutRow] = field(default_factory=list)
    ratios: dict[str, list[tuple[str, rules.Figure, rules.Figure, rules.Figure]]] = field(
        default_factory=dict
    )
    total: int = 0


def _months_between(first: str, last: str) -> list[str]:
    months = [first]
    while months[-1] < last and len(months) < MAX_MONTHS:
        months.append(add_months(months[-1], 1))
    return months


def monthly_retention(series: dict[str, dict[str, int]], months: list[str]) -> float:
    """Of the customers paying in a month, the share still paying the next, over all months
    (1.0 when nobody paid in two months running yet)."""
    chances = kept = 0
    for s in series.values():
        for m, nxt in itertools.pairwise(months):
            if s.get(m, 0) > 0:
                chances += 1
                kept += s.get(nxt, 0) > 0
    return kept / chances if chances else 1.0


def _contractual(
    ctx: Context, win: Window, owner_id: int | None, values: dict[int, AccountValue]
) -> list[dict[str, object]]:
    s = ctx.settings.kpis
    scope = repo.all_accounts()  # the cohorts of the whole company, whoever looks
    first = add_months(win.last, -(MAX_MONTHS - 1))
    months = _months_between(first, win.last)
    series = recurring.mrr_series(ctx, months, scope=scope)
    end = win.end
    running = repo.contracts_running(ctx.session, end, end + timedelta(days=1), scope)
    costs = repo.monthly_costs(ctx.session, [c.id for c in running])
    cost_of: dict[int, int] = defaultdict(int)
    for c in running:
        cost = costs.get(c.id)
        if cost is not None:
            cost_of[c.account_id] += cost // Period(c.period).months
    started: dict[str, str] = {}
    for account, months_paid in series.items():
        paid = sorted(m for m, v in months_paid.items() if v > 0)
        if paid:
            started[account] = paid[0]
    by_year: dict[str, list[str]] = defaultdict(list)
    for account, m in started.items():
        by_year[m[:4]].append(account)
    horizon = max(s.clv_horizon_months // 12, 1)
    pooled = monthly_retention(series, months)
    rate = s.discount_rate_pct / 100
    cohorts = []
    for year in sorted(by_year):
        members = by_year[year]
        survivors = [len(members)]
        alive = set(members)
        k = 1
        while True:
            checks = {a: add_months(started[a], 12 * k) for a in alive}
            if any(m > win.last for m in checks.values()):
                break
            alive = {a for a in alive if series[a].get(checks[a], 0) > 0}
            survivors.append(len(alive))
            k += 1
        if len(survivors) < 2:
            yearly = pooled**12
            why = (
                f"no full year observed in cohort {year}: constant retention of "
                f"{yearly:.1%} a year from every contract customer's months "
                f"({pooled:.2%} a month)"
            )
            value = sbg.CohortValue(sbg.CONSTANT, rate, horizon, None, yearly, why)
            cohorts.append(
                {
                    "year": year,
                    "customers": len(members),
                    "survivors": survivors,
                    "method": sbg.CONSTANT,
                    "reason": why,
                    "retention": round(yearly, 4),
                }
            )
        else:
            value = sbg.cohort_value(survivors, rate, horizon)
            cohorts.append(
                {
                    "year": year,
                    "customers": len(members),
                    "survivors": survivors,
                    "method": value.method,
                    "reason": value.reason,
                    "alpha": value.fit.alpha if value.fit else None,
                    "beta": value.fit.beta if value.fit else None,
                    "retention": round(value.retention, 4),
                }
            )
        for account in members:
            aid = int(account)
            if aid not in values:
                continue
            mrr_now = series[account].get(win.last, 0)
            if mrr_now <= 0:
                values[aid].contract_cents = 0
                values[aid].contract_method = f"no contract running in {win.last}"
                continue
            margin_year = (mrr_now - cost_of.get(aid, 0)) * 12
            y = win.end.year
            renewals = max(y - int(started[account][:4]), 0)
            if value is None:
                values[
                    aid
                ].contract_method = (
                    f"not computed: cohort {year} has no full year of renewals observed"
                )
                continue
            multiple = value.residual(renewals)
            values[aid].contract_cents = int(
                (Decimal(margin_year) * Decimal(str(multiple))).to_integral_value(ROUND_HALF_UP)
            )
            how = (
                f"sBG fit of cohort {year} (α {value.fit.alpha:.3g}, β {value.fit.beta:.3g})"
                if value.fit
                else f"constant retention {value.retention:.1%} of cohort {year} ({value.reason})"
            )
            values[aid].contract_method = (
                f"yearly margin × discounted expected yearly payments to come: {how}, "
                f"{s.discount_rate_pct:g} % a year, {horizon} years"
            )
    return cohorts


def _repeat_purchases(
    ctx: Context, win: Window, owner_id: int | None, values: dict[int, AccountValue]
) -> tuple[str | None, str | None, list[holdout.HoldoutRow]]:
    s = ctx.settings.kpis
    scope = repo.all_accounts()  # fitted on every customer's orders, whoever looks
    orders = [
        o
        for o in repo.order_facts(ctx.session, scope, win.end)
        if o.revenue_model in REPEAT_MODELS and o.shell not in MACHINES
    ]
    if not orders:
        return None, "no repeat-purchase orders (spare parts, time and material)", []
    customer = np.array([o.account_id for o in orders], dtype=np.int64)
    day = np.array([o.day.toordinal() for o in orders], dtype=np.int64)
    value = np.array([o.amount_cents for o in orders], dtype=np.float64)
    steps = s.clv_horizon_months
    weeks = s.clv_horizon_months * 52 / 12
    monthly = float(rules.monthly_discount(s.discount_rate_pct))
    end = win.end.toordinal()
    try:
        summary = holdout.summarise(
            customer, day, value, calibration_end=end, period_days=PERIOD_DAYS
        )
        valuation, scores = score.fit_and_score(
            summary.x,
            summary.t_x,
            summary.T,
            summary.mean_value,
            period="week",
            horizon=weeks,
            steps=steps,
            discount_per_step=monthly,
            margin=s.order_margin_pct / 100,
        )
    except (InvalidInput, ValueError, FloatingPointError, ZeroDivisionError) as exc:
        return None, f"the repeat-purchase models could not be fitted: {exc}", []
    method = valuation.method()
    for cid, clv in zip(summary.customer.tolist(), scores.clv.tolist(), strict=True):
        if cid in values and np.isfinite(clv):
            values[cid].orders_cents = round(clv)
            values[cid].orders_method = method
    # Fit quality: fit on all but the last year, compare the last year's purchases.
    rows: list[holdout.HoldoutRow] = []
    cal_end = (win.end - timedelta(days=365)).toordinal()
    try:
        cal = holdout.summarise(
            customer, day, value, calibration_end=cal_end, holdout_end=end, period_days=PERIOD_DAYS
        )
        fitted = bgnbd.fit(cal.x, cal.t_x, cal.T, period="week")
        rows = holdout.calibration_holdout(fitted.params, cal, 365 / PERIOD_DAYS)
    except (InvalidInput, ValueError, FloatingPointError, ZeroDivisionError):
        rows = []
    return method, None, rows


def clv(ctx: Context, win: Window, owner_id: int | None = None, limit: int = 100) -> ClvReport:
    """CLV per account the user may see (the ``limit`` most valuable listed), its cohorts and
    fit quality, and CLV/CAC of the customers won in the window by segment and org type. The
    models are fitted on every customer, so an account's CLV is the same whoever looks."""
    scope = repo.scope_of(ctx.user, owner_id)
    facts = repo.account_facts(ctx.session, scope)
    served = words_by_account(ctx.session, ctx.settings, win.end)
    values = {
        aid: AccountValue(
            aid,
            f.name,
            f.segment or acquisition.UNKNOWN,
            served.get(aid, acquisition.UNKNOWN),
        )
        for aid, f in facts.items()
    }
    cohorts = _contractual(ctx, win, owner_id, values)
    method, reason, rows = _repeat_purchases(ctx, win, owner_id, values)
    valued = [v for v in values.values() if v.total_cents is not None]
    valued.sort(key=lambda v: -(v.total_cents or 0))
    report = ClvReport(
        as_of=win.last,
        currency=ctx.settings.company_currency,
        horizon_months=ctx.settings.kpis.clv_horizon_months,
        discount_pct=ctx.settings.kpis.discount_rate_pct,
        accounts=valued[:limit],
        cohorts=cohorts,
        repeat_method=method,
        repeat_reason=reason,
        holdout=rows,
        total=len(valued),
    )
    for by in ("segment", "org_type"):
        report.ratios[by] = _ratios(ctx, win, owner_id, by, values)
    return report


def _ratios(
    ctx: Context,
    win: Window,
    owner_id: int | None,
    by: acquisition.Dimension,
    values: dict[int, AccountValue],
) -> list[tuple[str, rules.Figure, rules.Figure, rules.Figure]]:
    """(group, mean CLV, fully loaded CAC, CLV/CAC) of the customers won in the window."""
    cac = acquisition.cac(ctx, win, "linear", "year", by, owner_id)
    won: dict[str, list[int]] = defaultdict(list)
    for a in cac.acquisitions:
        if a.kind == "customer":
            total = values.get(a.account_id)
            if total is not None and total.total_cents is not None:
                won[a.key(by)].append(total.total_cents)
    out = []
    currency = ctx.settings.company_currency
    for line in cac.lines:
        if not line.customers:
            continue
        clvs = won.get(line.key, [])
        mean_method = "mean CLV of the customers won in the period"
        if clvs:
            mean = rules.Figure(
                Decimal(sum(clvs) // len(clvs)),
                "cents",
                mean_method,
                win.label,
                currency,
                count=len(clvs),
            )
        else:
            mean = rules.Figure(
                None,
                "cents",
                mean_method,
                win.label,
                currency,
                "no CLV for the customers won (no recurring margin or repeat purchases yet)",
            )
        cac_fig = line.customer_loaded
        ratio_method = "CLV/CAC: mean CLV over fully loaded CAC of the customers won"
        if mean.value is None or cac_fig.value is None or cac_fig.value == 0:
            why = mean.reason if mean.value is None else f"CAC {cac_fig.reason}"
            ratio = rules.Figure(None, "ratio", ratio_method, win.label, None, why)
        else:
            ratio = rules.Figure(
                (mean.value / cac_fig.value).quantize(Decimal("0.01"), ROUND_HALF_UP),
                "ratio",
                ratio_method,
                win.label,
            )
        out.append((line.key, mean, cac_fig, ratio))
    return out


def account_clv(ctx: Context, account_id: int, today: date) -> AccountValue | None:
    """One account's CLV (for the account 360), or None when it has none."""
    win = Window((month_of(today.replace(day=1) - timedelta(days=1)),))
    report = clv(ctx, win, None, limit=100_000)
    return next((v for v in report.accounts if v.account_id == account_id), None)
