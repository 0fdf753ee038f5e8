"""The pipeline over many opportunities: weighted forecast, conversion, cycle time, stalls, retention."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.installed_base import repository as installed_base
from servitize.installed_base.repository import load_rates
from servitize.kit.money import Rates, from_cents
from servitize.sales import repository as repo
from servitize.sales import rules
from servitize.sales.process import PHASES, Policy, policy
from servitize.sales.schemas import (
    Forecast,
    ForecastPhase,
    ForecastTotal,
    PhaseStat,
    RetentionRow,
    Stalled,
    UnconvertedAmount,
)
from servitize.trust.models import User


def forecast(
    session: Session,
    user: User,
    now: datetime | None = None,
    limit: int = 20_000,
    company_currency: str = "EUR",
    pol: Policy | None = None,
) -> Forecast:
    """Weighted forecast of open opportunities by phase; conversion and cycle time per phase; stalls.

    Phases are listed per currency as entered; ``total`` adds them up in the company currency
    at the rates in force today (docs/money.md); currencies without a rate are left out of it
    and listed apart under ``unconverted`` with their own amounts.
    """
    now = now or utcnow()
    pol = pol or policy()
    opps = repo.visible_by_id(session, user, limit)
    open_opps = [o for o in opps if o.status == "open"]
    rows = rules.weighted_forecast(
        ((o.phase, o.currency, o.value_cents, o.probability) for o in open_opps), pol
    )
    entries = repo.phase_entries(session, [o.id for o in opps])
    journeys = [rules.Journey(dict(entries[o.id]), o.phase, o.status) for o in opps]
    stats = rules.phase_stats(journeys, now, pol)
    stalled = [
        Stalled(
            id=o.id,
            title=o.title,
            phase=o.phase,
            days_in_phase=(now - o.phase_entered_at).days,
        )
        for o in open_opps
        if (now - o.phase_entered_at).days > pol.stall_days.get(o.phase, 10**6)
    ]
    worst = max(stats, key=lambda s: (s.stalled, s.cycle_days or 0), default=None)
    today = now.date()
    # kit.money's convention: open values are money of today, at the rates in force today (a
    # future-dated rate is not in force yet); a currency without a rate stays apart, in its own.
    rates = Rates(
        load_rates(session, {r.currency for r in rows} - {company_currency}),
        company_currency,
        as_of=today,
    )
    value = rates.sum((r.value_cents, r.currency, today) for r in rows)
    weighted = rates.sum((r.weighted_cents, r.currency, today) for r in rows)
    missing = sorted(value.unconverted)
    return Forecast(
        total=ForecastTotal(
            currency=company_currency,
            count=sum(r.count for r in rows),
            value=from_cents(value.cents),
            weighted=from_cents(weighted.cents),
            not_converted=missing,
            unconverted=[
                UnconvertedAmount(
                    currency=c,
                    value=from_cents(value.unconverted[c]),
                    weighted=from_cents(weighted.unconverted.get(c, 0)),
                )
                for c in missing
            ],
        ),
        phases=[
            ForecastPhase(
                phase=r.phase,
                phase_name=PHASES[r.phase],
                currency=r.currency,
                count=r.count,
                value=from_cents(r.value_cents),
                weighted=from_cents(r.weighted_cents),
            )
            for r in rows
        ],
        stats=[
            PhaseStat(
                phase=s.phase,
                phase_name=PHASES[s.phase],
                reached=s.reached,
                moved_on=s.moved_on,
                open=s.open_here,
                stalled=s.stalled,
                conversion=s.conversion,
                cycle_days=s.cycle_days,
            )
            for s in stats
        ],
        stalled=sorted(stalled, key=lambda x: -x.days_in_phase),
        stalls_most_in_phase=worst.phase if worst and (worst.stalled or worst.cycle_days) else None,
        won=sum(1 for o in opps if o.status == "won"),
        lost=sum(1 for o in opps if o.status in ("lost", "no_bid", "rejected")),
    )


def retention(
    session: Session, user: User, today: date | None = None, pol: Policy | None = None
) -> list[RetentionRow]:
    """Won opportunities after delivery: renewal dates, last touch-point, dormant relationships."""
    today = today or date.today()
    dormant_days = (pol or policy()).dormant_days
    opps = repo.won_after_delivery(session, user)
    last_touch = repo.last_touchpoints(session, [o.id for o in opps])
    accounts = installed_base.account_names(session, {o.account_id for o in opps})
    out = []
    for o in opps:
        last = last_touch.get(o.id)
        out.append(
            RetentionRow(
                id=o.id,
                title=o.title,
                account_id=o.account_id,
                account_name=accounts.get(o.account_id),
                phase=o.phase,
                commissioned_on=o.commissioned_on,
                renewal_on=o.renewal_on,
                days_to_renewal=(o.renewal_on - today).days if o.renewal_on else None,
                last_touchpoint=last,
                dormant=rules.is_dormant(o.commissioned_on, last, today, dormant_days),
            )
        )
    return out
