"""The organisation types compared on a small world worked out by hand: counts, shares, cycle
days, attach rate and CAC per type and per customer group, "too few to say" under the minimum,
and bad input naming its field.

The type is org_types' own: an assignment of the steel industry to type 2, the company
default (type 1) for the rest. The world (window 2026-01 to 2026-06; account owner rate 100.00/h from 2026-01-01):

| account | type | segment | industry | country | machine | after | opportunity | lead |
| A1 | 1 | Digital | food | DE | 2026-02-10 | service 2026-05-01 | won in 10 days | converted |
| A2 | 1 | Digital | food | DE | 2026-03-01 | digital 2027-06-01 (too late) | won in 20 days | converted |
| A3 | 1 | Digital | food | DE | 2026-04-01 | — | won in 60 days | open |
| A4 | 1 | Classic | food | DE | — | — | lost | open |
| A5 | 1 | Classic | food | DE | — | — | open | open |
| B1 | 2 | Digital | steel | AT | 2026-02-01 | service 2026-02-15 | won in 5 days | two: one won |
| B2 | 2 | Digital | steel | AT | — | — | — | — |

Effort before the first purchase: A1 2 h, A2 4 h, A3 6 h (200, 400, 600.00); B1 none.
Type 1: leads 2 won of 5 = 40.0 %; opportunities 3 won of 5 = 60.0 %; cycle 10, 20, 60 days:
median 20.0, mean 30.0; attach 1 of 3 machine buyers = 33.3 %; CAC (200 + 400 + 600) / 3 =
400.00 over 3 new customers. Type 2: leads 1 of 2 = 50.0 %; opportunities 1 of 1; cycle 5.0;
attach 1 of 1 = 100.0 %; CAC: no effort or spend recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput
from servitize.core.settings import KpiSettings, Settings
from servitize.installed_base.models import Account
from servitize.intelligence.models import Lead, SegmentAssignment
from servitize.kpis import types as comparison
from servitize.kpis.models import CostRate, EffortEntry
from servitize.kpis.period import window
from servitize.sales.models import Opportunity
from servitize.trust.context import context_of
from servitize.trust.models import User
from tests import builders as b
from tests.org_types.helpers import assignment


@dataclass
class TypesWorld:
    sam: User
    olga: User
    accounts: dict[str, Account]


def _segment(session: Session, account: Account, label: str) -> None:
    session.add(
        SegmentAssignment(
            account_id=account.id,
            as_of=date(2026, 1, 1),
            label=label,
            readiness=0.5,
            digital_infrastructure=0.5,
            own_share=1.0,
            age_class="mid",
            priority=0.5,
            go_to_market="separate",
            reasons=[],
            scores={},
        )
    )


def _lead(session: Session, account: Account, day: date, status: str = "open") -> Lead:
    lead = Lead(
        account_id=account.id,
        offering_key="service",
        asset_ids=[],
        source="rule",
        rule="test",
        score=0.5,
        story="a story",
        evidence={},
        status=status,
        as_of=day,
        expires_on=date(2026, 12, 31),
    )
    session.add(lead)
    session.flush()
    return lead


def _opportunity(
    session: Session,
    account: Account,
    opened: date,
    status: str,
    days: int | None = None,
    lead: Lead | None = None,
) -> None:
    start = datetime(opened.year, opened.month, opened.day, 9, 0, tzinfo=UTC)
    closed = None if days is None else start + timedelta(days=days)
    session.add(
        Opportunity(
            account_id=account.id,
            title="a sale",
            status=status,
            created_at=start,
            closed_at=closed,
            owner_id=account.owner_id,
            lead_id=lead.id if lead else None,
        )
    )


def _effort(session: Session, user: User, account: Account, day: date, hours: str) -> None:
    visit = b.visit(session, user, account, day=day)
    session.add(
        EffortEntry(
            user_id=user.id,
            role=str(user.role),
            region=None,
            account_id=account.id,
            visit_id=visit.id,
            day=day,
            hours=Decimal(hours),
            recorded_by="test",
        )
    )


def build(session: Session) -> TypesWorld:
    """The world of the module docstring."""
    sam = b.user(session, role="sales_manager")
    olga = b.user(session, role="account_owner")
    machine = b.offering(session, shell="product", revenue_model="one_time")
    service = b.offering(session, shell="service", revenue_model="per_service")
    digital = b.offering(session, shell="digital_service", revenue_model="subscription")
    rows = {
        "A1": (1, "Digital", "food", "DE"),
        "A2": (1, "Digital", "food", "DE"),
        "A3": (1, "Digital", "food", "DE"),
        "A4": (1, "Classic", "food", "DE"),
        "A5": (1, "Classic", "food", "DE"),
        "B1": (2, "Digital", "steel", "AT"),
        "B2": (2, "Digital", "steel", "AT"),
    }
    accounts: dict[str, Account] = {}
    for name, (_type, seg, industry, country) in rows.items():
        a = b.account(session, name=name, owner_id=olga.id, industry=industry, country=country)
        _segment(session, a, seg)
        accounts[name] = a
    session.add(
        CostRate(
            role="account_owner",
            region=None,
            valid_from=date(2026, 1, 1),
            cents_per_hour=10_000,
            currency="EUR",
        )
    )
    a1, a2, a3, a4, a5 = (accounts[k] for k in ("A1", "A2", "A3", "A4", "A5"))
    b1 = accounts["B1"]
    b.order(session, a1, machine, day=date(2026, 2, 10), amount_cents=5_000_000)
    b.order(session, a1, service, day=date(2026, 5, 1))
    b.order(session, a2, machine, day=date(2026, 3, 1), amount_cents=5_000_000)
    b.order(session, a2, digital, day=date(2027, 6, 1))
    b.order(session, a3, machine, day=date(2026, 4, 1), amount_cents=5_000_000)
    b.order(session, b1, machine, day=date(2026, 2, 1), amount_cents=5_000_000)
    b.order(session, b1, service, day=date(2026, 2, 15))
    _effort(session, olga, a1, date(2026, 2, 1), "2")
    _effort(session, olga, a2, date(2026, 2, 20), "4")
    _effort(session, olga, a3, date(2026, 3, 20), "6")
    _lead(session, a1, date(2026, 1, 5), "converted")
    _lead(session, a2, date(2026, 1, 6), "converted")
    for a in (a3, a4, a5):
        _lead(session, a, date(2026, 1, 7))
    won_lead = _lead(session, b1, date(2026, 1, 8))
    _lead(session, b1, date(2026, 1, 9))
    _opportunity(session, a1, date(2026, 2, 1), "won", 10)
    _opportunity(session, a2, date(2026, 2, 1), "won", 20)
    _opportunity(session, a3, date(2026, 2, 1), "won", 60)
    _opportunity(session, a4, date(2026, 2, 1), "lost", 30)
    _opportunity(session, a5, date(2026, 2, 1), "open")
    _opportunity(session, b1, date(2026, 1, 20), "won", 5, won_lead)
    # org_types decides: the steel industry is served by type 2, the rest by the default, 1
    assignment(session, "industry", "steel", 2)
    session.flush()
    return TypesWorld(sam, olga, accounts)


@pytest.fixture
def world(session: Session) -> TypesWorld:
    return build(session)


def _compare(session: Session, user: User, minimum: int = 1, **kw: Any) -> comparison.TypesReport:
    settings = Settings(kpis=KpiSettings(types_min_count=minimum))
    ctx = context_of(session, user, settings, today=date(2026, 7, 15))
    win = window("2026-01", "2026-06", ctx.today)
    return comparison.compare(ctx, win, **kw)


def _v(row: comparison.TypeRow, key: str) -> Decimal | None:
    return row.figures[key].value


def _n(row: comparison.TypeRow, key: str) -> int | None:
    return row.figures[key].count


def test_per_type_by_hand(session: Session, world: TypesWorld) -> None:
    report = _compare(session, world.sam)
    one, two = report.rows
    assert (one.type, one.customers, two.type, two.customers) == (1, 5, 2, 2)
    assert one.label == "type 1 — product, service and digital sold separately"
    assert two.label == "type 2 — service and digital integrated"
    assert (_v(one, "lead_conversion"), _n(one, "lead_conversion")) == (Decimal("40.0"), 5)
    assert (_v(two, "lead_conversion"), _n(two, "lead_conversion")) == (Decimal("50.0"), 2)
    assert (_v(one, "opportunity_conversion"), _n(one, "opportunity_conversion")) == (
        Decimal("60.0"),
        5,
    )
    assert (_v(two, "opportunity_conversion"), _n(two, "opportunity_conversion")) == (
        Decimal("100.0"),
        1,
    )
    assert (_v(one, "cycle_median"), _v(one, "cycle_mean"), _n(one, "cycle_mean")) == (
        Decimal("20.0"),
        Decimal("30.0"),
        3,
    )
    assert _v(two, "cycle_median") == Decimal("5.0")
    assert (_v(one, "attach_rate"), _n(one, "attach_rate")) == (Decimal("33.3"), 3)
    assert (_v(two, "attach_rate"), _n(two, "attach_rate")) == (Decimal("100.0"), 1)
    # CAC in cents: (20,000 + 40,000 + 60,000) / 3
    assert (_v(one, "cac"), _n(one, "cac")) == (Decimal(40_000), 3)
    assert _v(two, "cac") is None and two.figures["cac"].reason == "no effort or spend recorded"


def test_too_few_to_say_under_the_minimum(session: Session, world: TypesWorld) -> None:
    report = _compare(session, world.sam, minimum=5)
    one, two = report.rows
    assert _v(one, "lead_conversion") == Decimal("40.0")  # 5 leads: enough
    assert _v(one, "attach_rate") is None
    assert one.figures["attach_rate"].reason == "too few to say: 3 machine buyers (at least 5)"
    assert one.figures["attach_rate"].count == 3  # the count stays
    assert two.figures["lead_conversion"].reason == "too few to say: 2 leads (at least 5)"


def test_per_type_and_customer_group(session: Session, world: TypesWorld) -> None:
    report = _compare(session, world.sam, by="segment")
    keys = [(r.type, r.group, r.customers) for r in report.rows]
    assert keys == [(1, "Classic", 2), (1, "Digital", 3), (2, "Digital", 2)]
    classic = report.rows[0]
    # A4 lost, A5 open: 0 of 2 opportunities; no machine bought
    assert _v(classic, "opportunity_conversion") == Decimal("0.0")
    assert classic.figures["attach_rate"].reason == "no machine bought in the period"
    digital = report.rows[1]
    assert (_v(digital, "opportunity_conversion"), _n(digital, "opportunity_conversion")) == (
        Decimal("100.0"),
        3,
    )
    only = _compare(session, world.sam, by="country", group="AT")
    assert [(r.type, r.group) for r in only.rows] == [(2, "AT")]
    assert report.groups == ["Classic", "Digital"]
    industry = _compare(session, world.sam, by="industry", group="food")
    assert [r.customers for r in industry.rows] == [5]


def test_bad_input_names_the_field(session: Session, world: TypesWorld) -> None:
    with pytest.raises(InvalidInput, match="group"):
        _compare(session, world.sam, by="segment", group="Nowhere")
    with pytest.raises(InvalidInput, match="group"):
        _compare(session, world.sam, group="Digital")
    with pytest.raises(InvalidInput, match="by"):
        _compare(session, world.sam, by="planet")
