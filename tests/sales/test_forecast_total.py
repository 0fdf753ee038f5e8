"""The forecast in the company currency: each currency at its newest rate, the rest named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from servitize.installed_base.models import ExchangeRate
from servitize.sales import pipeline
from servitize.sales.models import Opportunity
from tests import builders as b

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_forecast_total_converts_at_the_newest_rate(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.080),
            ExchangeRate(currency="SEK", day=date(2026, 11, 1), rate=0.090),  # the newest: used
            ExchangeRate(currency="SEK", day=date(2027, 1, 1), rate=0.500),  # after today: not
        ]
    )
    for title, currency, cents, phase, probability in (
        ("Press line", "EUR", 100_000_00, 1, None),  # phase 1 default 10 %: 10,000 EUR
        ("Pump service", "SEK", 200_000_00, 3, 40),  # 200,000 SEK x 0.09 = 18,000 EUR; 40 %: 7,200
        ("Mill retrofit", "USD", 50_000_00, 2, None),  # no USD rate: left out and named
    ):
        session.add(
            Opportunity(
                account_id=account.id,
                title=title,
                currency=currency,
                value_cents=cents,
                phase=phase,
                probability=probability,
                owner_id=owner.id,
                phase_entered_at=NOW,
            )
        )
    session.flush()
    total = pipeline.forecast(session, owner, now=NOW, company_currency="EUR").total.model_dump()
    assert total == {
        "currency": "EUR",
        "count": 3,
        "value": Decimal("118000.00"),
        "weighted": Decimal("17200.00"),
        "not_converted": ["USD"],
        # phase 2 default 25 %: 50,000 x 0.25 = 12,500 USD weighted, shown apart
        "unconverted": [
            {"currency": "USD", "value": Decimal("50000.00"), "weighted": Decimal("12500.00")}
        ],
    }
