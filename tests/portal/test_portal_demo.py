"""The demo's customer: a portal user of the demo contract's account with a quote to accept."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from servitize.contracts.models import AvailabilityContract
from servitize.core.settings import Settings
from servitize.demo.portal import USERNAME, demo_portal, in_words
from servitize.installed_base.models import CustomerAccount
from servitize.offers.models import Quote
from servitize.trust.models import User
from tests import builders as b


def test_the_demo_customer_sees_the_contract_account_and_a_sent_quote(session) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin", password="demo-password-123")
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Demo Press", owner_id=owner.id)
    b.offering(
        session,
        external_id="D-CMPRO",
        shell="digital_service",
        family="condition_monitoring",
        revenue_model="subscription",
        list_price_cents=9_000,
        currency="EUR",
    )
    session.add(
        AvailabilityContract(
            external_id="AV-DEMO-1",
            account_id=account.id,
            name="Demo availability",
            target_pct=98.0,
            calendar={"kind": "24/7"},
            fee_cents=100_000,
            currency="EUR",
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.flush()
    done = demo_portal(session, Settings(), date(2026, 11, 30))
    assert done.logins == {"customer": USERNAME}
    buyer = session.scalar(select(User).where(User.username == USERNAME))
    assert buyer.role == "customer" and buyer.password_hash == admin.password_hash
    seen = session.scalars(
        select(CustomerAccount.account_id).where(CustomerAccount.user_id == buyer.id)
    )
    assert list(seen) == [account.id]
    quote = session.scalar(select(Quote).where(Quote.number == done.quote))
    assert (quote.account_id, quote.status.value) == (account.id, "sent")
    assert "Demo Press" in in_words(done)
    # run again: nothing more
    assert demo_portal(session, Settings(), date(2026, 11, 30)).logins == {}
