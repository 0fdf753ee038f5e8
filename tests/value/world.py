"""A small world for the value case, small enough to compute every figure by hand.

Day: 2026-11-23. History read: 36 months, from 2023-11-23 (1,096 days back) to the day.

Account "Fräserei Nord" (EUR), owned by ``owner``, two machines of model VX-1 installed on
2018-06-01 (age 8.48 years: age band 1, five to ten years). Another account has a third VX-1
of the same age (fleet only). No telemetry consent.

Work orders of the case's machines in the history:
- machine 1, repair 2025-03-10: 30 h down, parts 4,000.00, 10 labour hours (a major failure:
  30 h ≥ 24 h);
- machine 1, maintenance 2024-05-01: 2 h down (planned: not counted), parts 500.00, 4 h;
- machine 2, repair 2026-01-15: 6 h down, parts 1,000.00, 5 h;
- machine 2, repair 2022-01-01 (before the history): 100 h, ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from servitize.installed_base.models import Account, Asset
from servitize.trust.models import User
from tests import builders as b

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@dataclass
class World:
    owner: User
    account: Account
    machines: list[Asset]


def build(session: Session, **owner: object) -> World:
    user = b.user(session, role="account_owner", **owner)
    account = b.account(session, name="Fräserei Nord", owner_id=user.id)
    other = b.account(session, name="Elsewhere")
    m1 = b.asset(session, account, model="VX-1", install_date=date(2018, 6, 1))
    m2 = b.asset(session, account, model="VX-1", install_date=date(2018, 6, 1))
    b.asset(session, other, model="VX-1", install_date=date(2018, 6, 1))
    b.service_event(
        session,
        m1,
        day=date(2025, 3, 10),
        downtime_hours=30.0,
        parts_cost_cents=4000_00,
        labour_hours=10.0,
    )
    b.service_event(
        session,
        m1,
        kind="maintenance",
        day=date(2024, 5, 1),
        downtime_hours=2.0,
        parts_cost_cents=500_00,
        labour_hours=4.0,
    )
    b.service_event(
        session,
        m2,
        day=date(2026, 1, 15),
        downtime_hours=6.0,
        parts_cost_cents=1000_00,
        labour_hours=5.0,
    )
    b.service_event(
        session,
        m2,
        day=date(2022, 1, 1),
        downtime_hours=100.0,
        parts_cost_cents=9000_00,
        labour_hours=50.0,
    )
    return World(user, account, [m1, m2])
