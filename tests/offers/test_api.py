"""Offers through the REST API: a bundle quote to billing lines, the same money on every path."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D

from sqlalchemy.orm import Session

from servitize.offers.models import Contract, OfferingPrice
from servitize.trust.service import issue_token
from tests import builders as b


def _auth(session, user):  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_quote_to_contracts_to_billing_lines(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    c = app_client
    owner = b.user(session, role="account_owner")
    admin = b.user(session, role="admin")
    account = b.account(session, owner_id=owner.id)
    pump = b.asset(session, account)
    machine = b.offering(
        session, shell="product", revenue_model="one_time", list_price_cents=1_000_000
    )
    monitoring = b.offering(
        session, shell="digital_service", revenue_model="subscription", list_price_cents=9_000
    )
    session.add(
        OfferingPrice(
            offering_id=monitoring.id,
            model="subscription",
            terms={"period": "month", "minimum_term_months": 24},
        )
    )
    session.flush()
    auth = _auth(session, owner)

    r = c.post(
        "/api/v1/quotes",
        json={"account_id": account.id, "title": "Pump and eyes", "term_months": 24},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    for ref in (machine, monitoring):
        r = c.post(
            f"/api/v1/quotes/{qid}/lines",
            json={"offering": ref.external_id, "asset_ids": [pump.id], "discount_pct": "5"},
            headers=auth,
        )
        assert r.status_code == 201, r.text
    totals = r.json()["totals"]
    # one-time 10,000 × 0.95 = 9,500.00; monthly 90 × 0.95 = 85.50; 24 months: 9,500 + 2,052
    assert (totals["one_time"], totals["monthly_recurring"], totals["contract_value"]) == (
        "9500.00",
        "85.50",
        "11552.00",
    )
    r = c.post(f"/api/v1/quotes/{qid}/lines", json={"offering": "NOPE"}, headers=auth)
    assert r.status_code == 422 and "offering" in r.json()["detail"]
    r = c.post(
        f"/api/v1/quotes/{qid}/lines",
        json={"offering": machine.external_id, "quantity": -1},
        headers=auth,
    )
    assert r.status_code == 422

    assert (
        c.post(f"/api/v1/quotes/{qid}/submit", json={}, headers=auth).json()["status"] == "approved"
    )
    sent = c.post(f"/api/v1/quotes/{qid}/send", json={}, headers=auth).json()
    assert sent["accept_url"].startswith("/q/")
    r = c.post(f"/api/v1/quotes/{qid}/accept", json={"name": "Anna Berg"}, headers=auth)
    assert r.status_code == 200, r.text
    done = r.json()
    assert [k["kind"] for k in done["contracts"]] == ["subscription"]
    assert done["contracts"][0]["fee"] == "85.50"
    assert done["contracts"][0]["asset_ids"] == [pump.id]
    again = c.post(f"/api/v1/quotes/{qid}/accept", json={"name": "Anna Berg"}, headers=auth)
    assert again.status_code == 409

    # the month of acceptance is still open; the contract as if it had started on 1 October
    admin_auth = _auth(session, admin)
    r = c.post("/api/v1/billing/runs", json={"period": "2099-01"}, headers=admin_auth)
    assert r.status_code == 409 and "has not ended yet" in r.json()["detail"]
    contract = session.get(Contract, done["contracts"][0]["id"])
    contract.start_on = date(2026, 10, 1)
    session.flush()
    month = "2026-10"
    r = c.post("/api/v1/billing/runs", json={"period": month}, headers=admin_auth)
    assert r.status_code == 200, r.text
    assert (
        c.post("/api/v1/billing/runs", json={"period": month}, headers=admin_auth).json()["written"]
        == 0
    )
    lines = c.get(f"/api/v1/billing-lines?period={month}", headers=admin_auth).json()
    as_csv = c.get(f"/api/v1/billing-lines?period={month}&format=csv", headers=admin_auth).text
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [r["amount"] for r in rows] == [ln["amount"] for ln in lines]
    # a full October of 85.50 a month
    assert [(ln["kind"], ln["amount"]) for ln in lines if ln["contract_id"] == contract.id] == [
        ("fee", "85.50")
    ]
    assert sum(D(ln["amount"]) for ln in lines) >= D("85.50")


def test_billing_refuses_bad_periods(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    auth = _auth(session, b.user(session, role="admin"))
    r = app_client.post("/api/v1/billing/runs", json={"period": "2026-13"}, headers=auth)
    assert r.status_code == 422
    r = app_client.post("/api/v1/billing/runs", json={"period": "2999-01"}, headers=auth)
    assert r.status_code == 409 and "has not ended yet" in r.json()["detail"]
    r = app_client.post("/api/v1/billing/periods/2026-02/close", headers=auth)
    assert r.status_code == 409 and "not been billed" in r.json()["detail"]
    r = app_client.get("/api/v1/billing-lines?period=26-1", headers=auth)
    assert r.status_code == 422
