"""What acquiring a customer, or a new revenue stream at a customer, cost (CAC), and how many
months of its recurring margin pay that back.

Load every won contract and order, find the acquisitions (rules.acquisitions), price the effort
recorded on each account since its previous acquisition, add its commissions and the campaign
and fair spend attributed to it by the chosen rule (direct CAC); spread the period's remaining
sales and marketing cost over the period's acquisitions (fully loaded CAC); group by channel,
segment, organisation type, owner, period or kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from servitize.kpis import repository as repo
from servitize.kpis import rules
from servitize.kpis.period import Window
from servitize.kpis.types_served import words_by_account
from servitize.offers import repository as offers_repo
from servitize.offers.lifecycle import monthly_fee_on
from servitize.offers.price_models import Period
from servitize.trust.context import Context

Dimension = Literal["channel", "segment", "org_type", "owner", "period", "kind"]
DIMENSIONS: dict[str, str] = {
    "channel": "channel",
    "segment": "segment",
    "org_type": "organisation type",
    "owner": "owner",
    "period": "period",
    "kind": "customer or new stream",
}
UNKNOWN = "(none)"


@dataclass
class AcquisitionRow:
    """One acquisition and what it cost."""

    kind: str  # customer | stream
    account_id: int
    account: str
    day: date
    stream: str
    channel: str
    segment: str
    org_type: str
    owner: str
    period: str
    direct_cents: int = 0
    loaded_cents: int = 0
    effort_hours: Decimal = Decimal(0)
    uncosted_hours: Decimal = Decimal(0)
    monthly_margin_cents: int | None = None  # recurring margin of what it bought

    def key(self, by: Dimension) -> str:
        return {
            "channel": self.channel,
            "segment": self.segment,
            "org_type": self.org_type,
            "owner": self.owner,
            "period": self.period,
            "kind": self.kind,
        }[by]


@dataclass
class CacLine:
    """One group: CAC of new customers and of new streams, apart; the payback of customers."""

    key: str
    customers: int
    streams: int
    customer_direct: rules.Figure
    customer_loaded: rules.Figure
    stream_direct: rules.Figure
    stream_loaded: rules.Figure
    payback: rules.Figure


@dataclass
class CacReport:
    period: str
    currency: str
    rule: str
    rule_text: str
    grain: str
    by: str
    lines: list[CacLine]
    acquisitions: list[AcquisitionRow]
    pool_cents: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _channel(facts: repo.AccountFacts | None, channel: str) -> str:
    if channel == "sales_rep" and facts is not None and facts.dealer_id is not None:
        return "dealer"
    return channel


def sales_of(
    ctx: Context, scope: repo.Scope, upto: date, accounts: dict[int, repo.AccountFacts]
) -> list[rules.Sale]:
    """Every won contract and order up to ``upto`` as a sale with its stream and channel."""
    out: list[rules.Sale] = []
    for c in repo.contract_facts(ctx.session, scope, upto):
        facts = accounts.get(c.account_id)
        channel = "technician" if c.lead_source == "technician" else "sales_rep"
        owner = c.owner_id if c.owner_id is not None else (facts.owner_id if facts else None)
        out.append(
            rules.Sale(
                c.account_id,
                c.start_on,
                rules.stream_of(c.kind),
                "contract",
                c.id,
                _channel(facts, channel),
                owner,
            )
        )
    for o in repo.order_facts(ctx.session, scope, upto):
        facts = accounts.get(o.account_id)
        owner = o.sold_by_id if o.sold_by_id is not None else (facts.owner_id if facts else None)
        out.append(
            rules.Sale(
                o.account_id,
                o.day,
                rules.stream_of(o.revenue_model),
                "order",
                o.id,
                _channel(facts, o.channel),
                owner,
            )
        )
    return out


def _window_of(acqs: list[rules.Acquisition], account: int, day: date) -> int | None:
    """The index of the account's acquisition whose window (after, day] holds ``day``."""
    for i, a in enumerate(acqs):
        if a.sale.account_id != account:
            continue
        if day <= a.sale.day and (a.after is None or day > a.after):
            return i
    return None


def cac(
    ctx: Context,
    win: Window,
    rule: rules.AttributionRule = "linear",
    grain: rules.Grain = "quarter",
    by: Dimension = "channel",
    owner_id: int | None = None,
) -> CacReport:
    """CAC of the acquisitions in the window, grouped ``by`` one dimension."""
    currency = ctx.settings.company_currency
    scope = repo.scope_of(ctx.user, owner_id)
    accounts = repo.account_facts(ctx.session, scope)
    acqs = rules.acquisitions(sales_of(ctx, scope, win.end, accounts))
    by_account: dict[int, list[int]] = defaultdict(list)
    for i, a in enumerate(acqs):
        by_account[a.sale.account_id].append(i)
    inside = [i for i, a in enumerate(acqs) if win.start <= a.sale.day <= win.end]
    names = repo.user_names(ctx.session, [acqs[i].sale.owner_id or 0 for i in inside])
    served = words_by_account(ctx.session, ctx.settings, win.end) if inside else {}
    rows: dict[int, AcquisitionRow] = {}
    for i in inside:
        a = acqs[i]
        facts = accounts.get(a.sale.account_id)
        rows[i] = AcquisitionRow(
            kind=a.kind,
            account_id=a.sale.account_id,
            account=facts.name if facts else str(a.sale.account_id),
            day=a.sale.day,
            stream=a.sale.stream,
            channel=a.sale.channel,
            segment=(facts.segment if facts and facts.segment else UNKNOWN),
            org_type=served.get(a.sale.account_id, UNKNOWN),
            owner=names.get(a.sale.owner_id or 0, UNKNOWN),
            period=rules.bucket(a.sale.day, grain),
        )
    pool: dict[str, int] = defaultdict(int)
    pool_uncosted = Decimal(0)
    notes: list[str] = []

    # Effort, priced at the loaded rate of the role in the region on the day.
    rates = repo.rates(ctx.session)
    for e in repo.effort(ctx.session, scope, win.end):
        idx = _window_of([acqs[j] for j in by_account.get(e.account_id, [])], e.account_id, e.day)
        target = by_account[e.account_id][idx] if idx is not None else None
        rate = rules.rate_for(rates, e.role, e.region, e.day)
        cents = rules.effort_cents(Decimal(e.hours), rate.cents_per_hour) if rate else 0
        if target is not None and target in rows:
            row = rows[target]
            row.effort_hours += Decimal(e.hours)
            if rate is None:
                row.uncosted_hours += Decimal(e.hours)
            row.direct_cents += cents
        elif target is None and win.start <= e.day <= win.end:
            pool[rules.bucket(e.day, grain)] += cents
            if rate is None:
                pool_uncosted += Decimal(e.hours)

    # Commissions belong to their account's acquisition; campaigns and fairs by attribution.
    spends = repo.spend_rows(ctx.session, win.end)
    for s in spends:
        if s.kind != "commission":
            continue
        target = None
        if s.account_id is not None:
            idx = _window_of(
                [acqs[j] for j in by_account.get(s.account_id, [])], s.account_id, s.start_on
            )
            target = by_account[s.account_id][idx] if idx is not None else None
        if target is not None and target in rows:
            rows[target].direct_cents += s.amount_cents
        elif target is None:
            _spread(pool, s, win, grain)
    windows = {i: (a.sale.account_id, a.after, a.sale.day) for i, a in enumerate(acqs)}
    attributed, unattributed = rules.attribute(
        spends, repo.touches(ctx.session, win.end), windows, rule
    )
    for i, cents in attributed.items():
        if i in rows:
            rows[i].direct_cents += cents
    for s in spends:
        if s.id in unattributed:
            _spread(pool, s, win, grain)

    # The period's other cost, in equal shares over its acquisitions.
    per_bucket: dict[str, list[int]] = defaultdict(list)
    for i, row in rows.items():
        per_bucket[row.period].append(i)
        row.loaded_cents = row.direct_cents
    for b, cents in sorted(pool.items()):
        members = per_bucket.get(b, [])
        if not members:
            if cents:
                notes.append(f"{b}: {cents / 100:,.2f} {currency} of cost and no acquisition")
            continue
        for i, share in zip(
            members, rules.split_cents(cents, [Fraction(1)] * len(members)), strict=True
        ):
            rows[i].loaded_cents += share
    if pool_uncosted:
        notes.append(f"{pool_uncosted} h of other effort have no cost rate and are left out")

    _margins(ctx, [rows[i] for i in inside], [acqs[i] for i in inside])
    report_rows = [rows[i] for i in inside]
    lines = _lines(report_rows, by, win.label, currency)
    return CacReport(
        win.label,
        currency,
        rule,
        rules.ATTRIBUTION_RULES[rule],
        grain,
        by,
        lines,
        report_rows,
        dict(pool),
        notes,
    )


def _spread(pool: dict[str, int], s: rules.SpendRow, win: Window, grain: rules.Grain) -> None:
    """A spend's amount over the days of the window it runs in, by period."""
    total_days = (s.end_on - s.start_on).days + 1
    if total_days <= 0:
        return
    days: dict[str, int] = defaultdict(int)
    day = max(s.start_on, win.start)
    last = min(s.end_on, win.end)
    while day <= last:
        days[rules.bucket(day, grain)] += 1
        day = date.fromordinal(day.toordinal() + 1)
    if not days:
        return
    keys = sorted(days)
    inside = sum(days.values())
    amount = s.amount_cents * inside // total_days
    for k, cents in zip(
        keys, rules.split_cents(amount, [Fraction(days[k]) for k in keys]), strict=True
    ):
        pool[k] += cents


def _margins(ctx: Context, rows: list[AcquisitionRow], acqs: list[rules.Acquisition]) -> None:
    """Each acquisition's recurring margin per month: the contracts of its account started on
    its day, fee less cost, in their first month."""
    days = {(r.account_id, r.day) for r in rows}
    if not days:
        return
    lo = min(d for _a, d in days)
    hi = max(d for _a, d in days)
    scope = repo.scope_of(ctx.user)
    contracts = [
        c
        for c in repo.contracts_running(
            ctx.session, lo, date.fromordinal(hi.toordinal() + 1), scope
        )
        if (c.account_id, c.start_on) in days
    ]
    changes = offers_repo.changes_of(ctx.session, [c.id for c in contracts])
    costs = repo.monthly_costs(ctx.session, [c.id for c in contracts])
    margin: dict[tuple[int, date], int] = defaultdict(int)
    unknown: set[tuple[int, date]] = set()  # a contract without a cost: no margin to state
    for c in contracts:
        fee = monthly_fee_on(c, changes.get(c.id, []), c.start_on)
        cost = costs.get(c.id)
        if cost is None:
            unknown.add((c.account_id, c.start_on))
            continue
        margin[(c.account_id, c.start_on)] += fee - cost // Period(c.period).months
    for r, a in zip(rows, acqs, strict=True):
        key = (r.account_id, r.day)
        if key not in unknown and (a.sale.source == "contract" or key in margin):
            r.monthly_margin_cents = margin.get(key)


def _lines(rows: list[AcquisitionRow], by: Dimension, period: str, currency: str) -> list[CacLine]:
    groups: dict[str, dict[str, rules.CacGroup]] = defaultdict(
        lambda: {"customer": rules.CacGroup("customer"), "stream": rules.CacGroup("stream")}
    )
    paid: dict[str, tuple[int, int, int]] = defaultdict(lambda: (0, 0, 0))
    for r in rows:
        g = groups[r.key(by)][r.kind]
        g.acquisitions += 1
        g.direct_cents += r.direct_cents
        g.loaded_cents += r.loaded_cents
        g.uncosted_hours += r.uncosted_hours
        cost, margin, n = paid[r.key(by)]
        if r.monthly_margin_cents and r.monthly_margin_cents > 0:
            paid[r.key(by)] = (cost + r.loaded_cents, margin + r.monthly_margin_cents, n + 1)
    out = []
    for key in sorted(groups):
        c, s = groups[key]["customer"], groups[key]["stream"]
        cost, margin, n = paid[key]
        method = (
            "CAC payback: fully loaded CAC over the monthly recurring margin (fee less cost) of "
            "the contracts won, for the acquisitions that brought recurring margin"
        )
        months = rules.payback_months(cost, margin) if n else None
        payback = rules.Figure(
            months,
            "months",
            method,
            period,
            None,
            None
            if months is not None
            else "no acquisition brought recurring margin with a known cost (one-time sales only)",
            n,
        )
        out.append(
            CacLine(
                key,
                c.acquisitions,
                s.acquisitions,
                rules.cac_figure(c, False, period, currency),
                rules.cac_figure(c, True, period, currency),
                rules.cac_figure(s, False, period, currency),
                rules.cac_figure(s, True, period, currency),
                payback,
            )
        )
    return out
