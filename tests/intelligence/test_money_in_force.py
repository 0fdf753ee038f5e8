"""A list price is valued at the rate in force on the run's day, never at a future-dated one
(docs/money.md)."""

from __future__ import annotations

from datetime import date

from servitize.installed_base.models import ExchangeRate
from servitize.intelligence.models import Lead
from servitize.intelligence.service import generate_leads
from tests import builders as b

AS_OF = date(2026, 11, 23)


def test_a_list_price_with_only_a_future_rate_is_not_valued_at_it(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    b.offering(
        session,
        name="Maintenance contract SE",
        family="maintenance_contract",
        list_price_cents=1000_00,
        currency="SEK",
    )
    b.asset(session, acc, warranty_end=date(2026, 12, 23), install_date=date(2025, 1, 1))
    insp = b.offering(session, family="inspection", shell="service")
    b.order(session, acc, insp, day=date(2026, 10, 1), amount_cents=2000_00)  # not drifted
    session.add(ExchangeRate(currency="SEK", day=date(2026, 12, 1), rate=0.5))  # after AS_OF
    session.flush()
    generate_leads(session, AS_OF, use_model=False)
    lead = session.query(Lead).filter(Lead.rule == "coverage_ending").one()
    # No SEK rate is in force on 2026-11-23: the price is not converted, so the lead carries no
    # value from it (not 1,000 SEK x 0.5 = 500 EUR at next month's rate).
    assert (lead.estimated_value_cents, lead.currency) == (0, "EUR")
