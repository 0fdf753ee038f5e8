"""Comparing the four organisation types side by side: CLV, CAC, CLV/CAC, conversion (lead → won
and opportunity → won), sales cycle time and attach rate per type, and per type and customer
group (segment, industry, country), each figure with how many it rests on.

The type serving each account is org_types' (``types_by_account``). CLV and CAC are the kpis'
own computations (lifetime.clv per account, acquisition.cac per acquisition), grouped here, not
computed again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from servitize.core.errors import InvalidInput
from servitize.kpis import acquisition, lifetime, rules
from servitize.kpis import repository as repo
from servitize.kpis import types_repository as facts
from servitize.kpis import types_rules as tr
from servitize.kpis.period import Window
from servitize.kpis.types_served import UNKNOWN, type_words, types_by_account
from servitize.trust.context import Context

GroupBy = Literal["none", "segment", "industry", "country"]
GROUPINGS: dict[str, str] = {
    "none": "type only",
    "segment": "segment",
    "industry": "industry",
    "country": "country",
}
# The measures in the order of the table: key, label, what the count counts.
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("clv", "CLV (mean)", "customers"),
    ("cac", "CAC fully loaded", "new customers"),
    ("clv_to_cac", "CLV/CAC", "customers"),
    ("lead_conversion", "Conversion lead → won", "leads"),
    ("opportunity_conversion", "Conversion opportunity → won", "opportunities"),
    ("cycle_median", "Sales cycle, median", "won opportunities"),
    ("cycle_mean", "Sales cycle, mean", "won opportunities"),
    ("attach_rate", "Attach rate", "machine buyers"),
)


@dataclass
class TypeRow:
    """One row of the comparison: a type (and a customer group), its customers and figures."""

    type: int | None
    group: str | None
    customers: int
    figures: dict[str, rules.Figure] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return type_words(self.type)


@dataclass
class TypesReport:
    period: str
    currency: str
    by: str
    group: str | None
    min_count: int
    attach_months: int
    rows: list[TypeRow]
    groups: list[str]  # the values of ``by`` seen (for the filter)


def _group_of(g: facts.AccountGroups, by: GroupBy) -> str | None:
    if by == "none":
        return None
    value = {"segment": g.segment, "industry": g.industry, "country": g.country}[by]
    return value or UNKNOWN


def compare(
    ctx: Context,
    win: Window,
    by: GroupBy = "none",
    group: str | None = None,
    owner_id: int | None = None,
) -> TypesReport:
    """The measures per type (and per value of ``by``) over the window, for the accounts the
    user may see; ``group`` keeps one value of ``by`` (an unknown one is refused)."""
    if by not in GROUPINGS:
        raise InvalidInput(f"by: one of {', '.join(GROUPINGS)}")
    s = ctx.settings.kpis
    minimum, months = s.types_min_count, s.attach_months
    scope = repo.scope_of(ctx.user, owner_id)
    accounts = facts.account_groups(ctx.session, scope)
    values = sorted({v for g in accounts.values() if (v := _group_of(g, by)) is not None})
    if group is not None:
        if by == "none":
            raise InvalidInput("group: choose what to group by (segment, industry or country)")
        if group not in values:
            raise InvalidInput(f"group: no {by} {group!r} among the accounts you may see")
    served = types_by_account(ctx.session, ctx.settings, win.end)

    def key(account: int) -> tuple[int | None, str | None] | None:
        g = accounts.get(account)
        if g is None:
            return None
        value = _group_of(g, by)
        if group is not None and value != group:
            return None
        t = served.get(account)
        return (t, value)

    members: dict[tuple[int | None, str | None], list[int]] = defaultdict(list)
    for account in accounts:
        k = key(account)
        if k is not None:
            members[k].append(account)
    found = _measures(ctx, win, owner_id, key, months)
    rows = []
    for k in sorted(members, key=lambda k: (k[0] or 99, k[1] or "")):
        row = TypeRow(k[0], k[1], len(members[k]))
        for name, _label, noun in MEASURES:
            row.figures[name] = tr.too_few(found[name](k), minimum, noun)
        rows.append(row)
    return TypesReport(
        win.label,
        ctx.settings.company_currency,
        by,
        group,
        minimum,
        months,
        rows,
        values,
    )


Key = tuple[int | None, str | None]


def _measures(
    ctx: Context,
    win: Window,
    owner_id: int | None,
    key: Callable[[int], Key | None],
    attach_months: int,
) -> dict[str, Callable[[Key], rules.Figure]]:
    """Each measure as a function of a row's key."""
    period, currency = win.label, ctx.settings.company_currency
    scope = repo.scope_of(ctx.user, owner_id)

    # CLV: the kpis' CLV per account, as of the window's last month.
    clv_report = lifetime.clv(ctx, win, owner_id, limit=1_000_000)
    clv_of = {v.account_id: v.total_cents for v in clv_report.accounts}
    clvs: dict[Key, list[int]] = defaultdict(list)
    for account, cents in clv_of.items():
        k = key(account)
        if k is not None and cents is not None:
            clvs[k].append(cents)

    # CAC: the kpis' acquisitions of new customers in the window, fully loaded.
    cac_report = acquisition.cac(ctx, win, "linear", "quarter", "channel", owner_id)
    groups: dict[Key, rules.CacGroup] = defaultdict(lambda: rules.CacGroup("customer"))
    won_clvs: dict[Key, list[int]] = defaultdict(list)
    for a in cac_report.acquisitions:
        k = key(a.account_id)
        if k is None or a.kind != "customer":
            continue
        g = groups[k]
        g.acquisitions += 1
        g.direct_cents += a.direct_cents
        g.loaded_cents += a.loaded_cents
        g.uncosted_hours += a.uncosted_hours
        cents = clv_of.get(a.account_id)
        if cents is not None:
            won_clvs[k].append(cents)

    # Leads raised and opportunities opened in the window; cycle of those won in it.
    leads: dict[Key, list[facts.LeadOutcome]] = defaultdict(list)
    for lead in facts.lead_outcomes(ctx.session, scope, win.start, win.end):
        k = key(lead.account_id)
        if k is not None:
            leads[k].append(lead)
    opened: dict[Key, list[facts.OpportunityFact]] = defaultdict(list)
    cycles: dict[Key, list[float]] = defaultdict(list)
    for o in facts.opportunities(ctx.session, scope, win.end):
        k = key(o.account_id)
        if k is None:
            continue
        if win.start <= o.opened.date() <= win.end:
            opened[k].append(o)
        if o.status == "won" and o.closed is not None and win.start <= o.closed.date() <= win.end:
            cycles[k].append((o.closed - o.opened).total_seconds() / 86400)

    # Attach: machine buyers in the window and their service or digital purchases after.
    machine: dict[Key, dict[int, date]] = defaultdict(dict)
    other: dict[int, list[date]] = defaultdict(list)
    for p in facts.purchases(ctx.session, scope, date.max):
        if p.kind == "order:one_time" and p.shell == "product":
            k = key(p.account_id)
            if k is not None and win.start <= p.day <= win.end:
                first = machine[k].get(p.account_id)
                machine[k][p.account_id] = p.day if first is None else min(first, p.day)
        elif p.kind.startswith("contract:") or p.shell in tr.ATTACHED_SHELLS:
            other[p.account_id].append(p.day)

    clv_method = (
        f"mean CLV of the row's customers as of {clv_report.as_of} "
        "(kpis CLV: contractual and repeat purchases)"
    )

    def clv(k: Key) -> rules.Figure:
        return tr.mean_cents(
            clvs.get(k, []), clv_method, period, currency, "no customer with a CLV"
        )

    def cac(k: Key) -> rules.Figure:
        return rules.cac_figure(groups.get(k, rules.CacGroup("customer")), True, period, currency)

    def clv_to_cac(k: Key) -> rules.Figure:
        won = tr.mean_cents(
            won_clvs.get(k, []),
            "mean CLV of the customers won",
            period,
            currency,
            "no CLV for the customers won",
        )
        return tr.ratio(won, cac(k), period)

    def lead_conversion(k: Key) -> rules.Figure:
        items = leads.get(k, [])
        return rules.share(
            sum(1 for x in items if x.won),
            len(items),
            "leads raised in the period that were won (routed lead won, opportunity won or "
            "lead converted)",
            period,
            "no lead raised in the period",
        )

    def opportunity_conversion(k: Key) -> rules.Figure:
        items = opened.get(k, [])
        return rules.share(
            sum(1 for x in items if x.status == "won"),
            len(items),
            "opportunities opened in the period that are won",
            period,
            "no opportunity opened in the period",
        )

    def cycle(how: str) -> Callable[[Key], rules.Figure]:
        def fn(k: Key) -> rules.Figure:
            return tr.days_figure(
                cycles.get(k, []),
                how,
                f"{how} days from opening to winning of the opportunities won in the period",
                period,
            )

        return fn

    def attach(k: Key) -> rules.Figure:
        hit, buyers = tr.attached(machine.get(k, {}), other, attach_months)
        return rules.share(
            hit,
            buyers,
            f"machine buyers of the period who also bought a service or digital offering "
            f"within {attach_months} months",
            period,
            "no machine bought in the period",
        )

    return {
        "clv": clv,
        "cac": cac,
        "clv_to_cac": clv_to_cac,
        "lead_conversion": lead_conversion,
        "opportunity_conversion": opportunity_conversion,
        "cycle_median": cycle("median"),
        "cycle_mean": cycle("mean"),
        "attach_rate": attach,
    }
