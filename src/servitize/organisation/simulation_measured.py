"""The what-if simulation's parameters from the measured data of a customer group: each one
measured where at least ``SERVITIZE_KPIS_TYPES_MIN_COUNT`` records back it (with how many and
over which months), else the stated default and why; and the Bass diffusion of the group's
digital service fitted to its order history.

A group is ``all`` (every account the user may see), ``segment:<label>``, ``industry:<name>``,
``country:<code>`` or ``type:<1-4>`` (the organisation type serving the account).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from servitize.core.errors import InvalidInput
from servitize.kpis import lifetime, recurring
from servitize.kpis import repository as kpis_repo
from servitize.kpis import types_repository as facts
from servitize.kpis.period import Window, add_months, month_of
from servitize.kpis.types_served import types_by_account
from servitize.offers.price_models import Period
from servitize.organisation import bass
from servitize.organisation.simulation import LIMITS, Measured, Parameters, Source
from servitize.trust.context import Context

KINDS = ("segment", "industry", "country", "type")
ANALYTICS = {"rule", "model"}
DECIDED = {"won", "lost", "no_bid", "rejected"}
SERVICE_KINDS = {"service_agreement", "availability"}
SUBSCRIPTION_KINDS = {"subscription", "licence", "usage"}
DAYS_A_MONTH = 365.25 / 12


def _members(ctx: Context, group: str, as_of: date) -> tuple[str, list[int], dict[int, str | None]]:
    """The group's words, its account ids (of those the user may see), and each visible
    account's segment (for the per-segment diffusion)."""
    accounts = facts.account_groups(ctx.session, kpis_repo.scope_of(ctx.user))
    segments = {a: g.segment for a, g in accounts.items()}
    if group == "all":
        return "all customers", sorted(accounts), segments
    kind, sep, value = group.partition(":")
    if not sep or kind not in KINDS or not value.strip():
        raise InvalidInput(
            "group: all, or segment:<label>, industry:<name>, country:<code> or type:<1-4>"
        )
    if kind == "type":
        if value not in ("1", "2", "3", "4"):
            raise InvalidInput(f"group: type 1 to 4, not {value!r}")
        served = types_by_account(ctx.session, ctx.settings, as_of)
        ids = [a for a in accounts if served.get(a) == int(value)]
        return f"accounts served by type {value}", sorted(ids), segments
    ids = [a for a, g in accounts.items() if getattr(g, kind) == value]
    if not ids:
        raise InvalidInput(f"group: no account you may see has {kind} {value!r}")
    return f"{kind} {value!r}", sorted(ids), segments


class _Sources:
    """Collects each parameter's value and source."""

    def __init__(self, minimum: int, period: str) -> None:
        self.minimum, self.period = minimum, period
        self.values: dict[str, float] = {}
        self.sources: dict[str, Source] = {}

    def take(self, name: str, value: float | None, n: int, noun: str, how: str) -> None:
        if name in self.sources:  # already said why (a default with its own reason)
            return
        default = float(getattr(Parameters(), name))
        if value is not None and n >= self.minimum:
            self.values[name] = value
            self.sources[name] = Source(name, value, True, n, self.period, how)
            return
        self.sources[name] = Source(
            name,
            default,
            False,
            n,
            self.period,
            f"only {n} {noun} in the group in {self.period} (at least {self.minimum}); "
            f"default {default:g} used",
        )

    def default(self, name: str, why: str) -> None:
        value = float(getattr(Parameters(), name))
        self.sources[name] = Source(name, value, False, None, None, why)


def _clamp(name: str, value: float) -> float:
    low, high = LIMITS.get(name, (0.0, 1e12))
    return min(max(value, low), high)


def _cumulative(firsts: Iterable[date], last: str) -> list[float]:
    """Cumulative adopters at the end of each month from the first adoption's to ``last``."""
    counts = Counter(month_of(d) for d in firsts if month_of(d) <= last)
    if not counts:
        return []
    month, total, out = min(counts), 0, []
    while month <= last:
        total += counts.get(month, 0)
        out.append(float(total))
        month = add_months(month, 1)
    return out


def _first_digital(purchases: list[facts.Purchase]) -> dict[int, date]:
    firsts: dict[int, date] = {}
    for p in purchases:
        if p.shell == "digital_service":
            firsts[p.account_id] = min(firsts.get(p.account_id, p.day), p.day)
    return firsts


def measure(ctx: Context, group: str, win: Window) -> Measured:
    """The group's parameters as measured over the window (the months up to its last), each
    with its source, and the Bass diffusion of its digital service."""
    words, ids, segments = _members(ctx, group, win.end)
    s = _Sources(ctx.settings.kpis.types_min_count, win.label)
    months = len(win.months)
    scope = facts.ids_scope(ids)
    session = ctx.session

    leads = facts.lead_outcomes(session, scope, win.start, win.end)
    dealer_served = {a for a, g in facts.account_groups(session, scope).items() if g.dealer_id}
    tech = [x for x in leads if x.source == "technician" or x.reported_by_id is not None]
    analytics = [x for x in leads if x.source in ANALYTICS and x.reported_by_id is None]
    taken = {x.id for x in tech} | {x.id for x in analytics}
    dealers = [
        x
        for x in leads
        if x.id not in taken and (x.source == "marketing" or x.account_id in dealer_served)
    ]
    s.take(
        "leads_analytics",
        len(analytics) / months,
        len(analytics),
        "analytics leads",
        f"{len(analytics)} analytics leads over {months} months",
    )
    s.take(
        "leads_dealers",
        len(dealers) / months,
        len(dealers),
        "dealer or marketing leads",
        f"{len(dealers)} leads of marketing or at dealer-served accounts over {months} months",
    )
    visits = facts.visits(session, scope, win.start, win.end)
    technicians = {t for t, _a in visits}
    s.take(
        "technicians",
        float(len(technicians)),
        len(visits),
        "visits",
        f"{len(technicians)} technicians visited the group ({len(visits)} visits)",
    )
    s.take(
        "technician_lead_rate",
        len(tech) / months / len(technicians) if technicians else None,
        len(tech),
        "technicians' leads",
        f"{len(tech)} technicians' leads over {months} months by {len(technicians)} technicians",
    )
    hours: dict[int, float] = defaultdict(float)
    for lead, h in facts.lead_hours(session, scope, win.start, win.end):
        hours[lead] += h
    s.take(
        "technician_hours_per_lead",
        sum(hours.values()) / len(hours) if hours else None,
        len(hours),
        "leads with hours recorded",
        f"{sum(hours.values()):g} h recorded on {len(hours)} leads",
    )
    with_opportunity = sum(1 for x in leads if x.opportunity)
    s.take(
        "qualified_share",
        _clamp("qualified_share", with_opportunity / len(leads)) if leads else None,
        len(leads),
        "leads",
        f"{with_opportunity} of {len(leads)} leads became opportunities",
    )

    opportunities = facts.opportunities(session, scope, win.end)
    closed = [
        o
        for o in opportunities
        if o.status in DECIDED and o.closed is not None and win.start <= o.closed.date() <= win.end
    ]
    won = [o for o in closed if o.status == "won"]
    s.take(
        "win_rate",
        len(won) / len(closed) if closed else None,
        len(closed),
        "decided opportunities",
        f"{len(won)} won of {len(closed)} opportunities decided",
    )
    cycle_days = [
        (o.closed - o.opened).total_seconds() / 86400 for o in won if o.closed is not None
    ]
    s.take(
        "cycle_months",
        _clamp("cycle_months", sum(cycle_days) / len(cycle_days) / DAYS_A_MONTH)
        if cycle_days
        else None,
        len(won),
        "won opportunities",
        f"mean {sum(cycle_days) / max(len(cycle_days), 1):.1f} days from opening to winning of "
        f"{len(won)} won opportunities",
    )
    open_now = [
        o
        for o in opportunities
        if o.status == "open" or (o.closed is not None and o.closed.date() > win.end)
    ]
    carried = Counter(o.owner_id for o in open_now if o.owner_id is not None)
    active = {o.owner_id for o in opportunities if o.owner_id is not None} & (
        {o.owner_id for o in open_now} | {o.owner_id for o in closed}
    )
    s.take(
        "salespeople",
        float(len(active)) if active else None,
        len(open_now) + len(closed),
        "opportunities open or decided",
        f"{len(active)} salespeople own the group's open or decided opportunities",
    )
    s.take(
        "capacity_per_seller",
        float(max(carried.values())) if carried else None,
        len(open_now),
        "open opportunities",
        "the most open opportunities one salesperson carries at the end of the period",
    )
    s.take(
        "opportunities",
        float(len(open_now)),
        len(ids),
        "accounts",
        f"{len(open_now)} open at the end of the period, of {len(ids)} accounts",
    )

    running = facts.contracts_on(session, scope, win.end)
    service = [c for c in running if str(c.kind) in SERVICE_KINDS]
    subs = [c for c in running if str(c.kind) in SUBSCRIPTION_KINDS]

    def monthly(cs: list[Any]) -> float | None:
        fees = [c.fee_cents / Period(c.period).months for c in cs]
        return round(sum(fees) / len(fees)) if fees else None

    s.take(
        "service_contracts",
        float(len(service)),
        len(ids),
        "accounts",
        f"{len(service)} service contracts running on {win.end}",
    )
    s.take(
        "subscriptions",
        float(len(subs)),
        len(ids),
        "accounts",
        f"{len(subs)} subscriptions, licences and usage contracts running on {win.end}",
    )
    s.take(
        "service_fee_cents",
        monthly(service),
        len(service),
        "service contracts",
        f"mean monthly fee of {len(service)} running service contracts",
    )
    s.take(
        "subscription_fee_cents",
        monthly(subs),
        len(subs),
        "subscriptions",
        f"mean monthly fee of {len(subs)} running subscriptions",
    )
    purchases = facts.purchases(session, scope, win.end)
    machines = [
        p.cents
        for p in purchases
        if p.kind == "order:one_time" and p.shell == "product" and win.start <= p.day <= win.end
    ]
    s.take(
        "product_value_cents",
        round(sum(machines) / len(machines)) if machines else None,
        len(machines),
        "machine orders",
        f"mean amount of {len(machines)} machine orders",
    )

    # Churn: of the group's contract customers paying in a month, the share not paying the next.
    chances = 0
    retention = 1.0
    if ids:
        series = recurring.mrr_series(ctx, list(win.months), scope=scope)
        chances = sum(1 for x in series.values() for m in win.months[:-1] if x.get(m, 0) > 0)
        retention = lifetime.monthly_retention(series, list(win.months))
    if chances >= s.minimum and retention >= 1:
        default = Parameters().churn
        s.sources["churn"] = Source(
            "churn",
            default,
            False,
            chances,
            win.label,
            f"no customer of the group stopped paying over {chances} customer-months: too "
            f"short a time to tell a churn; default {default:g} used",
        )
    s.take(
        "churn",
        1 - retention if chances and retention < 1 else None,
        chances,
        "paying customer-months",
        f"customers paying in a month who paid nothing the next, over {chances} customer-months",
    )

    # Bass: the group's digital service, and each segment's.
    firsts = _first_digital(purchases)
    found = bass.diffusion(_cumulative(firsts.values(), win.last), len(ids), words)
    for name in ("bass_p", "bass_q"):
        value = found.p if name == "bass_p" else found.q
        if found.fitted:
            s.values[name] = value
            s.sources[name] = Source(
                name, value, True, found.adopters, win.label, f"Bass fit: {found.reason}"
            )
        else:
            s.sources[name] = Source(name, value, False, found.adopters, win.label, found.reason)
    if ids:
        s.values["digital_market"] = found.m
        s.values["digital_age_months"] = float(found.months)
        how = found.reason if found.fitted else f"the group's {len(ids)} accounts"
        s.sources["digital_market"] = Source(
            "digital_market", found.m, found.fitted, len(ids), win.label, how
        )
        s.sources["digital_age_months"] = Source(
            "digital_age_months",
            float(found.months),
            True,
            found.adopters,
            win.label,
            "months from the first digital-service order to the end of the period",
        )
    else:
        s.default("digital_market", "no account in the group: no digital diffusion")
        s.default("digital_age_months", "no account in the group")
    by_segment: dict[str, list[int]] = defaultdict(list)
    for a in ids:
        by_segment[segments.get(a) or "(none)"].append(a)
    per_segment = tuple(
        (
            label,
            bass.diffusion(
                _cumulative([firsts[a] for a in members if a in firsts], win.last),
                len(members),
                f"segment {label!r}",
            ),
        )
        for label, members in sorted(by_segment.items())
    )

    for name, value in asdict(Parameters()).items():
        if name not in s.sources and isinstance(value, int | float) and name != "months":
            s.default(name, "not measured: the model's stated default")
    typed: dict[str, Any] = {
        k: (int(v) if isinstance(getattr(Parameters(), k), int) else float(v))
        for k, v in s.values.items()
    }
    order = [k for k in asdict(Parameters()) if k in s.sources]
    return Measured(
        words,
        win.label,
        replace(Parameters(), **typed),
        tuple(s.sources[k] for k in order),
        found,
        per_segment,
    )
