"""The ecosystem's demo step: partners around a dealer's customer with users, assigned partner
activities, three competitors of three types matched to the machines' names, one alert; a second
run adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.demo.partners import demo_partners, in_words
from servitize.partners import competition
from servitize.partners.models import Competitor, CompetitorAlert, Partner, PartnerAssignment
from servitize.trust.context import Context
from tests import builders as b
from tests.partners import world as w


def test_the_demo_ecosystem(session: Session) -> None:
    admin = b.user(session, role="admin", password_hash="x")
    owner = b.user(session, role="account_owner")
    dealer = b.account(session, name="Industrial Supply North", kind="dealer")
    customer = b.account(session, name="Brewery Nord", owner_id=owner.id, dealer_id=dealer.id)
    other = b.account(session, name="Dairy Süd")
    b.asset(session, other, origin="competitor", competitor="Vantor Pumps")
    b.asset(session, other)
    b.asset(session, customer)
    w.opportunity(session, other, owner, status="won", phase=5)
    today = date(2026, 11, 23)

    done = demo_partners(session, Settings(), today)
    assert done.logins == {"partner": "dealer@partner.example"}
    assert sorted(session.scalars(select(Partner.kind))) == [
        "dealer",
        "integrator",
        "subcontractor",
    ]
    assert sorted(session.scalars(select(Competitor.type))) == [
        "diversified_technology_firm",
        "machine_manufacturer",
        "service_start_up",
    ]
    # usage analysis and training to the subcontractor, billing set-up to the integrator
    assert session.scalar(select(func.count()).select_from(PartnerAssignment)) == 3
    # UptimeLab is new at the brewery (its offer), Fluxon at the dairy (named in the deal we won
    # there); Vantor's price was seen where its machine stands, known since it was added
    alerts = session.scalars(select(CompetitorAlert).order_by(CompetitorAlert.id)).all()
    assert [(a.account_id, a.via) for a in alerts] == [
        (customer.id, "action"),
        (other.id, "opportunity"),
    ]
    rows, total = competition.list_competitors(Context(session, admin, Settings()).on(today))
    assert total == 3
    assert {r.competitor.name: r.share.machines for r in rows}["Vantor Pumps"] == 1
    assert {r.competitor.name: (r.win_loss.won, r.win_loss.lost) for r in rows}["Fluxon"] == (1, 0)
    assert "dealer@partner.example" in in_words(done)
    assert demo_partners(session, Settings(), today).customer == ""
