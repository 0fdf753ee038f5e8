"""The account 360 never converts today's amounts at a rate that is not in force yet
(docs/money.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from servitize.installed_base.models import ExchangeRate
from servitize.installed_base.service import account_360
from servitize.trust.context import context_of
from tests import builders as b

TODAY = date(2026, 11, 23)


def test_an_order_of_today_is_not_converted_at_next_months_rate(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    acc = b.account(session, name="Alpine Foods", owner_id=owner.id, currency="CHF")
    service = b.offering(session, shell="service")
    b.order(session, acc, service, day=TODAY, amount_cents=1_500_00, currency="CHF")
    b.order(session, acc, service, day=TODAY, amount_cents=200_00, currency="EUR")
    session.add(ExchangeRate(currency="CHF", day=date(2026, 12, 1), rate=1.05))  # from next month
    session.flush()
    p = account_360(context_of(session, owner, today=TODAY), acc.id).purchases
    # 200.00 EUR counted; 1,500.00 CHF has no rate in force today: shown apart, not 1,575 EUR
    assert (p.orders, p.amount, p.currency) == (2, Decimal("200.00"), "EUR")
    assert [(u.amount, u.currency) for u in p.unconverted] == [(Decimal("1500.00"), "CHF")]
