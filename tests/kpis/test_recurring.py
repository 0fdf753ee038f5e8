"""MRR, NRR, churn and cohorts of four customers' contracts, by hand, through the API.

Contracts (monthly fees):
  A: 100.00 from 2025-01-01          B: 200.00 from 2025-01-01, ended 2025-02-15
  C: 100.00 from 2025-01-01, and 50.00 more from 2025-02-01
  D: 50.00 from 2025-02-01
MRR at each month's end (Jan, Feb, Mar): A 100 100 100; B 200 0 0; C 100 150 150; D 0 50 50.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from servitize.offers.models import Contract
from servitize.trust.service import issue_token
from tests import builders as b


def _contract(session: Any, account: Any, n: int, fee: int, start: date, end: date | None) -> None:
    session.add(
        Contract(
            number=f"C-KPI{n}",
            account_id=account.id,
            kind="subscription",
            name="Remote monitoring",
            currency="EUR",
            fee_cents=fee,
            period="month",
            start_on=start,
            minimum_term_end=date(2026, 1, 1),
            end_on=end,
        )
    )


def build(session: Any) -> Any:
    a, bb, c, d = (b.account(session, name=n) for n in ("A", "B", "C", "D"))
    _contract(session, a, 1, 10000, date(2025, 1, 1), None)
    _contract(session, bb, 2, 20000, date(2025, 1, 1), date(2025, 2, 15))
    _contract(session, c, 3, 10000, date(2025, 1, 1), None)
    _contract(session, c, 4, 5000, date(2025, 2, 1), None)
    _contract(session, d, 5, 5000, date(2025, 2, 1), None)
    session.flush()
    return b.user(session, role="service_manager")


def test_mrr_nrr_and_churn_by_hand(session, app_client) -> None:  # type: ignore[no-untyped-def]
    user = build(session)
    r = app_client.get(
        "/api/v1/kpis/mrr?start=2025-01&end=2025-03",
        headers={"Authorization": f"Bearer {issue_token(session, user)}"},
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    # March: 100 + 0 + 150 + 50 = 300.00; ARR 3,600.00
    assert Decimal(doc["mrr"]["value"]) == Decimal("300.00")
    assert Decimal(doc["arr"]["value"]) == Decimal("3600.00")
    assert doc["mrr"]["currency"] == "EUR" and doc["mrr"]["period"] == "2025-03"
    # A, B, C paid 400.00 in January and 250.00 in March: 62.5 %
    assert Decimal(doc["net_revenue_retention"]["value"]) == Decimal("62.5")
    # B of A, B, C stopped: 33.3 %; B's 200.00 of 400.00 lost: 50.0 %
    assert Decimal(doc["logo_churn"]["value"]) == Decimal("33.3")
    assert Decimal(doc["revenue_churn"]["value"]) == Decimal("50.0")
    feb = doc["months"][1]
    # February: opening 400, new 50 (D), expansion 50 (C), churn −200 (B), closing 300
    assert [Decimal(feb[k]) for k in ("opening", "new", "expansion", "churn", "closing")] == [
        Decimal("400.00"),
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("-200.00"),
        Decimal("300.00"),
    ]
    jan = doc["cohorts"][0]
    # the January cohort A, B, C: 3, 2, 2 paying; 400, 250, 250 of 400 in revenue
    assert jan["month"] == "2025-01" and jan["size"] == 3
    assert [Decimal(x) for x in jan["logo_pct"]] == [
        Decimal("100.0"),
        Decimal("66.7"),
        Decimal("66.7"),
    ]
    assert [Decimal(x) for x in jan["revenue_pct"]] == [
        Decimal("100.0"),
        Decimal("62.5"),
        Decimal("62.5"),
    ]
    # February's cohort (D alone) is too small to draw, and says so
    assert doc["cohorts"][1]["size"] == 1 and doc["cohorts"][1]["reason"]


def test_no_contract_says_why(session, app_client) -> None:  # type: ignore[no-untyped-def]
    user = b.user(session, role="sales_manager")
    r = app_client.get(
        "/api/v1/kpis/mrr?start=2025-01&end=2025-03",
        headers={"Authorization": f"Bearer {issue_token(session, user)}"},
    )
    doc = r.json()
    assert doc["mrr"]["value"] is None and doc["mrr"]["reason"] == "no contract running"
    assert doc["net_revenue_retention"]["value"] is None
    assert "no recurring revenue in 2025-01" in doc["net_revenue_retention"]["reason"]
