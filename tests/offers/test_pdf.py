"""The quote document: the same totals as the API to the cent, the clause in words, the company
and the customer, and nothing internal (notes, approval reasons)."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

from sqlalchemy.orm import Session

from servitize.trust.service import issue_token
from tests import builders as b
from tests.offers.catalogue import catalogue, pumps


def _text(data: bytes) -> str:
    """The PDF's page text: its content streams, inflated (fpdf2 compresses them)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return "\n".join(out)


def _written(amount: str, currency: str) -> str:
    """An API amount ("14416.00") as a document writes it ("14,416.00 EUR")."""
    return f"{Decimal(amount):,} {currency}"


def test_the_pdf_shows_the_totals_of_the_api_to_the_cent(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    manager = b.user(session, role="sales_manager")
    account = b.account(session, name="Nordic Paper", owner_id=owner.id)
    machines = pumps(session, account)
    cat = catalogue(session)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    q = app_client.post(
        "/api/v1/quotes",
        json={
            "account_id": account.id,
            "title": "Pumps as a service",
            "term_months": 24,
            "notes": "Internal: they pay late",
            "terms": {"payment_days": 30},
            "clause": {"kind": "linear", "target_pct": "97", "pct_per_point": "2", "cap_pct": "10"},
        },
        headers=auth,
    ).json()
    for offering, extra in (
        (cat.machine, {"quantity": "2"}),
        (cat.agreement, {"asset_ids": [m.id for m in machines]}),
        (cat.monitoring, {"discount_pct": "3.5"}),
    ):
        r = app_client.post(
            f"/api/v1/quotes/{q['id']}/lines",
            json={"offering": offering.external_id, "bundle": "PaaS", "bundle_discount_pct": "7"}
            | extra,
            headers=auth,
        )
        assert r.status_code == 201, r.text
    api = r.json()
    totals = api["totals"]
    # by hand: 2 × 10,000.00 × 0.93 = 18,600.00 once; 200.00 × 0.93 = 186.00 and
    # 90.00 × 0.965 × 0.93 = 80.7705 → 80.77 a month: 266.77; × 24 = 6,402.48
    # (each line rounds alone: 186.00 × 24 = 4,464.00; 2,160.00 × 0.965 × 0.93 = 1,938.492 →
    # 1,938.49), contract value 18,600.00 + 4,464.00 + 1,938.49 = 25,002.49
    assert (totals["one_time"], totals["monthly_recurring"], totals["contract_value"]) == (
        "18600.00",
        "266.77",
        "25002.49",
    )
    app_client.post(f"/api/v1/quotes/{q['id']}/submit", json={}, headers=auth)
    app_client.post(
        f"/api/v1/quotes/{q['id']}/approve",
        json={},
        headers={"Authorization": f"Bearer {issue_token(session, manager)}"},
    )

    pdf = app_client.get(f"/quotes/{q['id']}.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = _text(pdf.content)
    cur = totals["currency"]
    for key in ("one_time", "monthly_recurring", "yearly_recurring", "contract_value"):
        assert _written(totals[key], cur) in text, key
    assert "Contract value over 24 months" in text
    assert "Nordic Paper" in text and "Your service partner" in text
    assert "Subscriptions" in text and "One-time" in text
    assert "Valid until " + api["valid_until"] in text
    assert "97" in text and "Availability" in text  # the clause in words
    assert "they pay late" not in text and "discount of" not in text

    sent = app_client.post(f"/api/v1/quotes/{q['id']}/send", json={}, headers=auth).json()
    customer = app_client.get(sent["accept_url"] + ".pdf")  # no login: the link is the key
    assert customer.status_code == 200
    assert _written(totals["contract_value"], cur) in _text(customer.content)
    assert app_client.get("/q/unknown-token.pdf").status_code == 404


def test_another_users_quote_pdf_is_not_found(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    stranger = b.user(session, role="technician", territory="nowhere")
    account = b.account(session, owner_id=owner.id)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    q = app_client.post(
        "/api/v1/quotes", json={"account_id": account.id, "title": "Spares"}, headers=auth
    ).json()
    r = app_client.get(
        f"/quotes/{q['id']}.pdf",
        headers={"Authorization": f"Bearer {issue_token(session, stranger)}"},
    )
    assert r.status_code == 404
