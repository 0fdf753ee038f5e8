"""The demo tells its own story: the printed technician and account owner share an account (a
lead the technician reports there reaches the owner), the owner has an opportunity open in
every phase, this month's leaderboard has entries and late leads are escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.demo.story import demo_story, in_words
from servitize.field.models import LeadRoute, RecognitionPoint
from servitize.intelligence.models import Lead
from servitize.sales.models import Opportunity
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b

TODAY = date(2026, 11, 18)  # a Wednesday


def _route(session: Session, account_id: int, tech_id: int, n: int) -> None:
    lead = Lead(
        account_id=account_id,
        offering_key="retrofit",
        asset_ids=[],
        source="rule",
        rule="aging_fleet",
        score=0.5,
        estimated_value_cents=100_000,
        currency="EUR",
        story=f"Lead {n}",
        evidence={},
        status="open",
        as_of=TODAY,
        expires_on=date(2027, 2, 1),
    )
    session.add(lead)
    session.flush()
    session.add(
        LeadRoute(
            lead_id=lead.id,
            account_id=account_id,
            route="technician",
            reason="below the threshold",
            assigned_to_id=tech_id,
            stage="reported",
            reported_at=datetime(2026, 11, 17, 9, tzinfo=UTC),
        )
    )
    session.flush()


def _world(session: Session) -> dict[str, str]:
    owner = b.user(session, username="st_owner", role="account_owner")
    tech = b.user(session, username="st_tech", role="technician", territory="south")
    b.user(session, username="st_manager", role="service_manager", territory="north")
    small = b.account(session, name="Small GmbH", owner_id=owner.id, territory="north", volume=1)
    big = b.account(session, name="Big AG", owner_id=owner.id, territory="north", volume=9)
    other = b.account(session, name="South Ltd", territory="south")
    for n in range(6):
        _route(session, (small, big, other)[n % 3].id, tech.id, n)
    return {"technician": tech.username, "account_owner": owner.username, "big": str(big.id)}


def test_the_printed_technician_sees_an_account_of_the_printed_owner(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    tech = session.scalar(select(User).where(User.username == w["technician"]))
    headers = {"Authorization": f"Bearer {issue_token(session, tech)}", "accept": "text/html"}
    # before the story the technician (territory south) sees none of the owner's accounts
    assert app_client.get(f"/accounts/{w['big']}", headers=headers).status_code == 404
    story = demo_story(session, Settings(), w, TODAY)
    assert (story.shared_account, story.visit_day) == ("Big AG", TODAY)  # the biggest one
    page = app_client.get(f"/accounts/{w['big']}", headers=headers)
    assert page.status_code == 200 and "Big AG" in page.text
    assert "st_tech visits st_owner's account Big AG on Wed 18 Nov" in in_words(story)


def test_the_owner_has_an_open_opportunity_in_every_phase(session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    demo_story(session, Settings(), w, TODAY)
    phases = dict(
        session.execute(
            select(Opportunity.phase, func.count())
            .join(User, User.id == Opportunity.owner_id)
            .where(User.username == w["account_owner"], Opportunity.status == "open")
            .group_by(Opportunity.phase)
        ).all()
    )
    assert phases == {1: 1, 2: 1, 3: 1, 4: 1}
    again = demo_story(session, Settings(), w, TODAY)  # a second run adds none
    assert again.opportunities_by_phase == {1: 1, 2: 1, 3: 1, 4: 1}


def test_leaderboard_has_entries_and_late_leads_are_escalated(session) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    story = demo_story(session, Settings(), w, TODAY)
    points = session.scalars(select(RecognitionPoint)).all()
    assert 1 <= len(points) <= 3 and {p.month for p in points} == {"2026-11"}
    assert story.leaderboard_entries == 1  # the one technician
    assert story.escalated == 3
    escalated = session.scalar(
        select(func.count()).select_from(LeadRoute).where(LeadRoute.escalated_at.is_not(None))
    )
    assert escalated == 3


@pytest.mark.slow  # builds the whole sample manufacturer
def test_the_demo_printout_tells_the_story(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servitize.web.demo import build_demo

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", data_dir=tmp_path / "var")
    logins = build_demo(settings, tmp_path / "files", accounts=40, seed=5, password="pw-demo-1")
    assert {"admin", "technician", "account_owner", "sales_manager", "service_manager"} <= set(
        logins
    )
    from servitize.core.db import make_engine
    from servitize.installed_base.access import account_scope
    from servitize.installed_base.models import Account, Visit

    engine = make_engine(settings.database_url)
    with Session(engine) as s:
        tech = s.scalar(select(User).where(User.username == logins["technician"]))
        owner = s.scalar(select(User).where(User.username == logins["account_owner"]))
        assert tech is not None and owner is not None
        shared = s.scalar(
            select(func.count())
            .select_from(Account)
            .where(account_scope(tech), Account.owner_id == owner.id)
        )
        assert shared >= 1
        # the rest of the story (issue 16): consent in several states, quotes in several
        # states, billed months, visits with a time of day on weekdays
        from servitize.offers.models import BillingLine, Quote
        from servitize.telemetry import consent
        from servitize.telemetry.models import DataSharingAgreement

        states = {consent.state(a) for a in s.scalars(select(DataSharingAgreement))}
        assert {"active", "narrowed", "revoked", "expired"} <= states
        assert len(set(s.scalars(select(Quote.status)))) >= 4
        assert (s.scalar(select(func.count()).select_from(BillingLine)) or 0) > 0
        timed = s.scalars(select(Visit).where(Visit.start_time.is_not(None))).all()
        assert timed and all(v.duration_minutes for v in timed)
    assert {"analyst", "customer", "partner"} <= set(logins)
    engine.dispose()
