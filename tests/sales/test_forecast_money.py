"""The forecast total by kit.money's convention: no rate that is not in force yet, and
amounts without a rate shown apart with their own amount, the same on the page and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from servitize.installed_base.models import ExchangeRate
from servitize.sales import pipeline
from servitize.sales.models import Opportunity
from tests import builders as b

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _opportunities(session, owner, account) -> None:  # type: ignore[no-untyped-def]
    for title, currency, cents, phase, probability in (
        ("Press line", "EUR", 100_000_00, 1, None),  # phase 1 default 10 %: 10,000 EUR weighted
        ("Dairy line", "CHF", 20_000_00, 3, 50),  # CHF: a rate only from 2027 on
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
    session.add(ExchangeRate(currency="CHF", day=date(2027, 1, 1), rate=1.05))
    session.flush()


def test_a_rate_from_next_year_does_not_convert_todays_forecast(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    _opportunities(session, owner, b.account(session, owner_id=owner.id))
    total = pipeline.forecast(session, owner, now=NOW, company_currency="EUR").total.model_dump()
    # Only the EUR opportunity is counted (not 100,000 + 20,000 x 1.05 = 121,000); the CHF one
    # is shown apart: 20,000 CHF, 50 % = 10,000 CHF weighted.
    assert (total["value"], total["weighted"]) == (Decimal("100000.00"), Decimal("10000.00"))
    assert total["unconverted"] == [
        {"currency": "CHF", "value": Decimal("20000.00"), "weighted": Decimal("10000.00")}
    ]


def test_the_pipeline_page_and_the_api_show_the_same_total_and_what_stays_apart(
    session, sales_client
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from servitize.trust.service import issue_token

    owner = b.user(session, role="account_owner")
    _opportunities(session, owner, b.account(session, owner_id=owner.id))
    session.add(ExchangeRate(currency="CHF", day=date.today() + timedelta(days=400), rate=1.05))
    session.flush()
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    total = sales_client.get("/api/v1/opportunities/forecast", headers=auth).json()["total"]
    assert (total["value"], total["weighted"]) == ("100000.00", "10000.00")
    assert total["unconverted"] == [
        {"currency": "CHF", "value": "20000.00", "weighted": "10000.00"}
    ]
    page = sales_client.get("/opportunities", headers=auth).text.replace("&nbsp;", " ")
    shown = page.split('data-testid="forecast-total">', 1)[1].split("</span>", 1)[0]
    assert "open 10,000 EUR weighted of 100,000 EUR" in shown
    assert "+ 10,000 CHF weighted of 20,000 CHF unconverted" in shown
