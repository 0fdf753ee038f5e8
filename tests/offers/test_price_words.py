"""A recurring offering reads "180 EUR / month, 36 months" wherever it is sold: on the lead (the
intelligence page and the field's lead page and card), on the quote and its PDF; it is never on
a technician's sign-up sheet. Its lead is worth the fee over the standard term."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from servitize.core.settings import IntelligenceSettings
from servitize.field import service as field_service
from servitize.installed_base import repository as ib
from servitize.intelligence.leads import candidate
from servitize.intelligence.models import Lead
from servitize.intelligence.rules import Hit
from servitize.trust.audit import Actor
from servitize.trust.service import issue_token
from tests import builders as b

REMOTE = {
    "offering_id": 0,
    "external_id": "D-REMOTE",
    "name": "Remote service subscription",
    "family": "remote_service",
    "shell": "digital_service",
    "list_price_cents": 18_000,
    "revenue_model": "subscription",
    "unit": "month",
}
WORDS = "180 EUR / month, 36 months"


def _auth(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_a_recurring_lead_shows_its_price_in_words_and_its_term_value(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    pump = b.asset(session, account)
    remote = b.offering(
        session,
        external_id="D-REMOTE",
        name="Remote service subscription",
        revenue_model="subscription",
        list_price_cents=18_000,
        unit="month",
    )
    hit = Hit(
        "downtime_without_monitoring",
        account.id,
        pump.id,
        0.9,
        0,
        {
            "downtime_hours": 41,
            "window_days": 365,
            "repairs_12m": 3,
            "connectivity": "none",
            "serial": pump.serial,
        },
    )
    c = candidate(
        "downtime_without_monitoring",
        [hit],
        REMOTE | {"offering_id": remote.id},
        IntelligenceSettings(),
        "EUR",
    )
    # 180.00 a month × 36 months = 6,480.00 for one machine
    assert c.value_cents == 648_000
    lead = Lead(
        account_id=account.id,
        offering_id=remote.id,
        offering_key="remote_service",
        asset_ids=[pump.id],
        source="rule",
        rule=c.rule,
        score=0.9,
        estimated_value_cents=c.value_cents,
        currency="EUR",
        story=c.story,
        evidence=c.evidence,
        status="open",
        as_of=date(2026, 11, 30),
        expires_on=date(2027, 1, 29),
    )
    session.add(lead)
    session.flush()
    field_service.route_new_leads(session, Actor("test"))
    page = app_client.get(f"/accounts/{account.id}/leads", headers=_auth(session, owner)).text
    assert f"<b>{WORDS}</b> · worth 6,480 EUR over the term" in page
    page = app_client.get(f"/inbox/{lead.id}", headers=_auth(session, owner)).text
    assert f'data-testid="price">{WORDS}<' in page


def test_a_recurring_item_is_never_offered_on_a_sign_up_sheet(session: Session) -> None:
    flagged_recurring = b.offering(
        session, revenue_model="subscription", sign_up_eligible=True, list_price_cents=6_000
    )
    flagged_one_off = b.offering(
        session, revenue_model="per_service", sign_up_eligible=True, list_price_cents=22_000
    )
    eligible = {o.id for o in ib.sign_up_offerings(session)}
    assert flagged_one_off.id in eligible and flagged_recurring.id not in eligible
