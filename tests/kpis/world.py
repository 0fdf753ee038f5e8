"""A small sales organisation whose acquisition costs are worked out by hand (see CAC below).

Users: Olga (account owner, region North), Tom (technician, North), Sam (sales manager).
Rates from 2026-01-01: account owners 80.00/h, in North 100.00/h; technicians 60.00/h.

- Account A (Olga's): buys a machine on 2026-02-10 (a new customer, sales rep), then a service
  on 2026-05-05 sold by Tom on site (a new stream, technician).
- Account B (served by dealer D): buys a machine on 2026-04-20 (a new customer, dealer).
- Account C: never buys.

Effort (recorded on visits):
- A, 2026-01-20: Olga 5 h (500.00), Tom 2 h (120.00)            → A's customer acquisition
- A, 2026-03-01: Olga 1 h (100.00); 2026-04-15: Tom 3 h (180.00) → A's new stream
- C, 2026-02-15: Olga 2 h (200.00)                               → no acquisition: Q1's pool

Spend: fair F1 (1–3 Feb 2026, 900.00) touched A and B on 2 Feb; mailing M1 (March, 300.00)
touched B and C on 10 Mar; commission K1 for B (20 Apr, 50.00).

Linear attribution: A's customer window holds F1 (credit 1); B's holds F1 and M1 (½ each).
F1: 900 × 1 / 1.5 = 600.00 to A, 300.00 to B; M1: all 300.00 to B (C bought nothing).
Direct:  A customer 500 + 120 + 600 = 1,220.00; A stream 100 + 180 = 280.00;
         B customer 300 + 300 + 50 = 650.00.
Fully loaded (quarters): Q1's pool is C's 200.00 over Q1's one acquisition (A) → 1,420.00;
         Q2 has no pool: B 650.00, A's stream 280.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.kpis.models import CostRate, EffortEntry, Spend, Touch
from servitize.trust.models import User
from tests import builders as b


@dataclass
class World:
    olga: User
    tom: User
    sam: User
    admin: User
    a: int
    b: int
    c: int
    dealer: int
    visit_a: int


def _effort(session: Session, user: User, account: int, visit: int, day: date, hours: str) -> None:
    session.add(
        EffortEntry(
            user_id=user.id,
            role=str(user.role),
            region=user.territory,
            account_id=account,
            visit_id=visit,
            day=day,
            hours=Decimal(hours),
            recorded_by="test",
        )
    )


def build(session: Session) -> World:
    olga = b.user(session, role="account_owner", territory="North", full_name="Olga Owner")
    tom = b.user(session, role="technician", territory="North", full_name="Tom Tech")
    sam = b.user(session, role="sales_manager", full_name="Sam Manager")
    admin = b.user(session, role="admin", full_name="Ada Admin")
    dealer = b.account(session, name="Dealer D", kind="dealer")
    a = b.account(session, name="Alpha", owner_id=olga.id)
    bb = b.account(session, name="Beta", owner_id=olga.id, dealer_id=dealer.id)
    c = b.account(session, name="Gamma", owner_id=olga.id)
    machine = b.offering(session, shell="product", revenue_model="one_time")
    service = b.offering(session, shell="service", revenue_model="per_service")
    b.order(session, a, machine, day=date(2026, 2, 10), amount_cents=5_000_000)
    b.order(session, a, service, day=date(2026, 5, 5), channel="technician", amount_cents=90_000)
    b.order(session, bb, machine, day=date(2026, 4, 20), amount_cents=4_000_000)
    for role, region, cents in (
        ("account_owner", None, 8000),
        ("account_owner", "North", 10000),
        ("technician", None, 6000),
    ):
        session.add(
            CostRate(
                role=role,
                region=region,
                valid_from=date(2026, 1, 1),
                cents_per_hour=cents,
                currency="EUR",
            )
        )
    va = b.visit(session, tom, a, day=date(2026, 1, 20))
    vc = b.visit(session, tom, c, day=date(2026, 2, 15))
    _effort(session, olga, a.id, va.id, date(2026, 1, 20), "5")
    _effort(session, tom, a.id, va.id, date(2026, 1, 20), "2")
    _effort(session, olga, a.id, va.id, date(2026, 3, 1), "1")
    _effort(session, tom, a.id, va.id, date(2026, 4, 15), "3")
    _effort(session, olga, c.id, vc.id, date(2026, 2, 15), "2")
    f1 = Spend(
        external_id="F1",
        kind="trade_fair",
        name="Fair",
        channel="sales_rep",
        start_on=date(2026, 2, 1),
        end_on=date(2026, 2, 3),
        amount_cents=90_000,
        currency="EUR",
    )
    m1 = Spend(
        external_id="M1",
        kind="campaign",
        name="Mailing",
        channel="web",
        start_on=date(2026, 3, 1),
        end_on=date(2026, 3, 31),
        amount_cents=30_000,
        currency="EUR",
    )
    k1 = Spend(
        external_id="K1",
        kind="commission",
        name="Dealer commission",
        channel="dealer",
        start_on=date(2026, 4, 20),
        end_on=date(2026, 4, 20),
        amount_cents=5_000,
        currency="EUR",
        account_id=bb.id,
    )
    session.add_all([f1, m1, k1])
    session.flush()
    session.add_all(
        [
            Touch(spend_id=f1.id, account_id=a.id, day=date(2026, 2, 2)),
            Touch(spend_id=f1.id, account_id=bb.id, day=date(2026, 2, 2)),
            Touch(spend_id=m1.id, account_id=bb.id, day=date(2026, 3, 10)),
            Touch(spend_id=m1.id, account_id=c.id, day=date(2026, 3, 10)),
        ]
    )
    session.flush()
    return World(olga, tom, sam, admin, a.id, bb.id, c.id, dealer.id, va.id)
