"""Editing an opportunity with its currency, and opening one from a lead with one button."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from servitize.field import service as field
from servitize.field.models import LeadRoute
from servitize.installed_base.models import ExchangeRate
from servitize.intelligence.models import Lead
from servitize.sales.models import Opportunity
from servitize.trust.audit_trail import described
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b

REPORTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def swedish(session):  # type: ignore[no-untyped-def]
    """A Swedish account (SEK) of an owner; one SEK was worth 0.09 EUR (the company's)."""
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id, country="SE", currency="SEK", name="Nord AB")
    session.add(ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.09))
    session.flush()
    return owner, account


def _html(session: Any, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}", "Accept": "text/html"}


def _api(session: Any, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _opportunity(session: Any, title: str) -> Opportunity:
    return session.scalars(select(Opportunity).where(Opportunity.title == title)).one()


def test_a_value_typed_in_euros_for_a_swedish_account_stays_euros(
    session, app_client, swedish
) -> None:  # type: ignore[no-untyped-def]
    owner, account = swedish
    html = _html(session, owner)
    made = app_client.post(
        "/opportunities",
        headers=html,
        data={
            "account_id": account.id,
            "title": "Line rebuild",
            "value": "17500",
            "currency": "EUR",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    opp = _opportunity(session, "Line rebuild")
    assert (opp.value_cents, opp.currency) == (1_750_000, "EUR")
    page = app_client.get(f"/opportunities/{opp.id}", headers=html).text
    # 17,500 EUR / 0.09 EUR per SEK = 194,444.44 SEK, shown in whole units.
    assert "17,500&nbsp;EUR" in page and "194,444&nbsp;SEK" in page
    worth = app_client.get(
        f"/api/v1/opportunities/{opp.id}/equivalents", headers=_api(session, owner)
    )
    assert worth.json() == [{"currency": "SEK", "amount": "194444.44"}]
    # Left to the account's default, the value is the account's currency (and worth EUR).
    app_client.post(
        "/opportunities",
        headers=html,
        data={"account_id": account.id, "title": "Spares", "value": "17500"},
    )
    spares = _opportunity(session, "Spares")
    assert spares.currency == "SEK"
    page = app_client.get(f"/opportunities/{spares.id}", headers=html).text
    assert "17,500&nbsp;SEK" in page and "1,575&nbsp;EUR" in page  # 17,500 × 0.09


def test_the_edit_form_refuses_each_field_and_writes_nothing(session, app_client, swedish) -> None:  # type: ignore[no-untyped-def]
    owner, account = swedish
    opp = Opportunity(
        account_id=account.id,
        title="Press",
        owner_id=owner.id,
        currency="SEK",
        value_cents=1_750_000,
        phase_entered_at=REPORTED,
    )
    session.add(opp)
    session.flush()
    html = _html(session, owner)
    page = f"/opportunities/{opp.id}/edit"
    shown = app_client.get(page, headers=html)
    assert shown.status_code == 200 and 'data-testid="currency"' in shown.text
    bad = app_client.post(
        page,
        headers=html,
        data={
            "title": "Press",
            "value": "17500",
            "currency": "ABC",
            "probability": "150",
            "expected_close": "soon",
            "terms": "fee: ten",
            "version": str(opp.version),
        },
    )
    assert bad.status_code == 422
    for field_name in ("currency", "probability", "expected_close", "terms"):
        assert f'data-testid="error-{field_name}"' in bad.text, field_name
    assert "currency &#39;ABC&#39; is not an ISO 4217 code" in bad.text
    session.expire_all()
    assert session.get(Opportunity, opp.id).currency == "SEK"
    saved = app_client.post(
        page,
        headers=html,
        data={
            "title": "Press line",
            "value": "17500",
            "currency": "EUR",
            "probability": "40",
            "expected_close": "2027-03-31",
            "terms": "penalty_cap_pct = 10",
            "version": str(opp.version),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    session.expire_all()
    opp = session.get(Opportunity, opp.id)
    assert (opp.title, opp.currency, opp.probability, opp.expected_close, opp.terms) == (
        "Press line",
        "EUR",
        40,
        date(2027, 3, 31),
        {"penalty_cap_pct": 10.0},
    )
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "opportunity", AuditEntry.action == "update")
    ).all()
    assert "Currency: SEK → EUR" in described(entry) and "Title: Press → Press line" in described(
        entry
    )


def test_the_api_refuses_a_currency_that_is_not_iso(session, app_client, swedish) -> None:  # type: ignore[no-untyped-def]
    owner, account = swedish
    auth = _api(session, owner)
    made = app_client.post(
        "/api/v1/opportunities",
        headers=auth,
        json={"account_id": account.id, "title": "X", "currency": "ABC"},
    )
    assert (
        made.status_code == 422
        and "currency 'ABC' is not an ISO 4217 code" in made.json()["detail"]
    )
    made = app_client.post(
        "/api/v1/opportunities",
        headers=auth,
        json={"account_id": account.id, "title": "X", "currency": "eur"},
    )
    assert made.status_code == 201 and made.json()["currency"] == "EUR"
    changed = app_client.patch(
        f"/api/v1/opportunities/{made.json()['id']}", headers=auth, json={"currency": "XYZ"}
    )
    assert changed.status_code == 422


def _lead(session: Any, account: Any, owner: Any) -> Lead:
    offering = b.offering(session, family="condition_monitoring", revenue_model="subscription")
    lead = Lead(
        account_id=account.id,
        offering_id=offering.id,
        offering_key="condition_monitoring",
        asset_ids=[],
        source="rule",
        rule="repeat_fault",
        score=0.7,
        estimated_value_cents=1_200_000,
        currency="SEK",
        story="Three seal repairs this year.",
        evidence={"repairs": 3},
        status="open",
        as_of=date(2026, 11, 1),
        expires_on=date(2027, 2, 1),
    )
    session.add(lead)
    session.flush()
    session.add(
        LeadRoute(
            lead_id=lead.id,
            account_id=account.id,
            route="account_owner",
            reason="large",
            assigned_to_id=owner.id,
            value_cents=1_200_000,
            currency="SEK",
            score=0.7,
            stage="reported",
            reported_at=REPORTED,
        )
    )
    session.flush()
    return lead


def test_a_lead_becomes_an_opportunity_and_its_clock_stops(session, app_client, swedish) -> None:  # type: ignore[no-untyped-def]
    owner, account = swedish
    lead = _lead(session, account, owner)
    before = field.inbox(session, owner, "open", today=date(2026, 11, 5))
    assert [i.lead_id for i in before.items] == [lead.id]
    html = _html(session, owner)
    assert (
        'data-testid="open-opportunity"' in app_client.get(f"/inbox/{lead.id}", headers=html).text
    )
    assert (
        'data-testid="open-opportunity"'
        in app_client.get(f"/accounts/{account.id}/leads", headers=html).text
    )
    opened = app_client.post(f"/leads/{lead.id}/opportunity", headers=html, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    opp = session.scalars(select(Opportunity).where(Opportunity.lead_id == lead.id)).one()
    assert opened.headers["location"] == f"/opportunities/{opp.id}"
    assert (opp.title, opp.value_cents, opp.currency, opp.source, opp.offering_type) == (
        "Condition monitoring for Nord AB",
        1_200_000,
        "SEK",
        "lead",
        "subscription",
    )
    assert opp.lead_story == "Three seal repairs this year." and opp.account_id == account.id
    session.expire_all()
    assert session.get(Lead, lead.id).status == "converted"
    route = session.scalars(select(LeadRoute).where(LeadRoute.lead_id == lead.id)).one()
    assert route.stage == "won" and route.closed_at is not None
    assert route.proposal_at is not None  # the turnaround clock ends at the conversion
    after = field.inbox(session, owner, "open", today=date(2026, 11, 5))
    assert after.items == []  # it left the open inbox
    again = app_client.post(
        f"/api/v1/opportunities/from-lead/{lead.id}", headers=_api(session, owner)
    )
    assert again.status_code == 409 and f"opportunity {opp.id}" in again.json()["detail"]


def test_technicians_and_analysts_do_not_open_opportunities(session, app_client, swedish) -> None:  # type: ignore[no-untyped-def]
    owner, account = swedish
    lead = _lead(session, account, owner)
    analyst = b.user(session, role="analyst")
    r = app_client.post(
        f"/api/v1/opportunities/from-lead/{lead.id}", headers=_api(session, analyst)
    )
    assert r.status_code == 403
    stranger = b.user(session, role="account_owner")
    r = app_client.post(
        f"/api/v1/opportunities/from-lead/{lead.id}", headers=_api(session, stranger)
    )
    assert r.status_code == 404
    session.expire_all()
    assert session.get(Lead, lead.id).status == "open"
