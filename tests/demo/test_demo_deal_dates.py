"""The demo's closed deals carry real dates over the past 18 months, so the organisation types'
comparison (/kpis/types) shows sales cycle times: each deal opened before it closed, closed by
yesterday, and the median per type is the median of (closed − opened) computed here by hand."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from servitize.core.settings import Settings
from servitize.demo.kpis import PAST_DEALS, PILOT_DEALS, _deal_history
from servitize.intelligence.models import SegmentAssignment
from servitize.kpis.period import window
from servitize.kpis.types import compare
from servitize.org_types import service as org_types
from servitize.sales.models import Opportunity
from servitize.trust.context import context_of
from tests import builders as b

TODAY = date(2026, 11, 18)


def _world(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    accounts = [b.account(session, owner_id=owner.id) for _ in range(12)]
    for a in accounts[:2]:
        session.add(
            SegmentAssignment(
                account_id=a.id,
                as_of=TODAY,
                label="Digital partner",
                readiness=0.8,
                digital_infrastructure=0.8,
                own_share=0.9,
                age_class="young",
                priority=1.0,
                go_to_market="subscription",
                reasons=[],
                scores={},
            )
        )
    session.flush()
    return accounts


def test_deals_open_before_they_close_over_the_past_18_months(session) -> None:  # type: ignore[no-untyped-def]
    accounts = _world(session)
    made = _deal_history(session, random.Random(14), TODAY, "EUR")
    assert made == PAST_DEALS + 2 * PILOT_DEALS
    rows = session.scalars(select(Opportunity)).all()
    assert len(rows) == made
    yesterday = datetime(2026, 11, 17, 17, tzinfo=UTC)
    for o in rows:
        assert o.closed_at is not None and o.created_at < o.closed_at <= yesterday
        assert o.created_at.date() >= TODAY - timedelta(days=540)
        assert o.status in ("won", "lost") and (o.phase == 5) == (o.status == "won")
    opened = sorted(o.created_at.date() for o in rows)
    # spread over the 18 months, not all on the build day
    assert opened[0] <= TODAY - timedelta(days=450) and opened[-1] >= TODAY - timedelta(days=120)
    assert len({d.month for d in opened}) == 12
    pilots = {accounts[0].id, accounts[1].id}
    assert sum(o.account_id in pilots for o in rows) >= 2 * PILOT_DEALS


def test_the_types_comparison_shows_cycle_times(session) -> None:  # type: ignore[no-untyped-def]
    accounts = _world(session)
    head = b.user(session, role="sales_manager")
    settings = Settings()
    ctx = context_of(session, head, settings, TODAY)
    org_types.assign(
        ctx,
        "account",
        [str(accounts[0].id), str(accounts[1].id)],
        4,
        TODAY - timedelta(days=30),
        "pilot",
    )
    _deal_history(session, random.Random(14), TODAY, "EUR")
    win = window(None, None, TODAY)  # the 12 complete months before November 2026
    first, last = date(2025, 11, 1), date(2026, 10, 31)
    report = compare(ctx, win)
    pilots = {accounts[0].id, accounts[1].id}
    by_type = {r.type: r for r in report.rows}
    for t, members in ((4, pilots), (1, {a.id for a in accounts} - pilots)):
        cycles = [
            (o.closed_at - o.created_at).total_seconds() / 86400
            for o in session.scalars(select(Opportunity))
            if o.account_id in members and o.status == "won" and first <= o.closed_at.date() <= last
        ]
        figure = by_type[t].figures["cycle_median"]
        assert figure.count == len(cycles) >= settings.kpis.types_min_count
        assert float(figure.value) == round(statistics.median(cycles), 1)
