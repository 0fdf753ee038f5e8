"""The technician's daily use on both databases: an owner's large lead sold on a sign-up sheet
waits for the owner's confirmation; the technician's own reports listed with their status;
evidence shown as sentences."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.settings import FieldSettings, Settings
from servitize.field import service, sheets
from servitize.field.models import LeadRoute
from servitize.field.schemas import LeadReport, Signing
from servitize.installed_base.models import Order, Visit
from servitize.intelligence.models import Lead
from servitize.trust.audit import Actor, entries
from servitize.trust.models import User
from tests.field.seed import PASSWORD, Field
from tests.field.test_pages import _TOKEN, log_in

TODAY = date.today()
S = FieldSettings()  # threshold 5,000 EUR
COMPANY = Settings(company_currency="EUR")


def _user(session: Session, uid: int) -> User:
    return session.get(User, uid)  # type: ignore[return-value]


def _sign_hose_line(session: Session, field: Field) -> tuple[LeadRoute, list[Order]]:
    service.route_new_leads(session, Actor("t"), TODAY, S, COMPANY)
    tom = _user(session, field.tom)
    sheet = sheets.propose_sheet(session, tom, session.get(Visit, field.visit_tom), TODAY, S)
    hose = next(x for x in sheets.sheet_read(session, sheet).lines if x.lead_id)
    assert hose.lead_id == field.rule_lead
    orders = sheets.sign(
        session,
        tom,
        sheet,
        Signing(line_ids=[hose.id], signer_name="Hanna Vogt", signed_on="paper"),
        TODAY,
        None,
        S,
    )
    route = session.scalar(select(LeadRoute).where(LeadRoute.lead_id == field.rule_lead))
    assert route is not None
    return route, orders


def test_a_small_line_does_not_close_a_large_owner_lead(session: Session, field: Field) -> None:
    lead = session.get(Lead, field.rule_lead)
    assert lead is not None
    lead.estimated_value_cents = 40_000_00  # 40,000 EUR >= the 5,000 EUR threshold: the owner's
    session.flush()
    route, orders = _sign_hose_line(session, field)
    assert route.route == "account_owner" and route.assigned_to_id == field.olga
    # the 350 EUR hose check is sold and ordered, the 40,000 EUR lead stays open, proposed
    assert [o.amount_cents for o in orders] == [350_00]
    assert (route.stage, lead.status) == ("proposed", "open")
    olga = _user(session, field.olga)
    it, _row = service.lead_item(session, olga, field.rule_lead, TODAY, S)
    assert it.awaiting_owner and "awaiting the owner's confirmation" in (it.close_reason or "")
    audit = entries(session, "lead", str(field.rule_lead))
    assert audit[0].action == "propose" and audit[0].after["awaiting"] == "owner's confirmation"
    # the owner confirms from the lead page: won, converted, audited as a sold-on-site confirmation
    service.act(session, olga, field.rule_lead, "win", None, TODAY)
    assert (route.stage, lead.status) == ("won", "converted")
    won = entries(session, "lead", str(field.rule_lead))[0]
    assert won.action == "win" and won.after["sold_on_site_confirmed"] is True
    assert not service.lead_item(session, olga, field.rule_lead, TODAY, S)[0].awaiting_owner


def test_a_small_owner_lead_closes_on_the_sheet(session: Session, field: Field) -> None:
    lead = session.get(Lead, field.rule_lead)
    assert lead is not None
    lead.estimated_value_cents = 4_999_99  # under the threshold: the line closes it as before
    session.flush()
    route, _orders = _sign_hose_line(session, field)
    assert (route.stage, lead.status) == ("won", "converted")


def test_the_technician_sees_the_leads_they_reported_with_their_status(
    session: Session, field: Field
) -> None:
    tom = _user(session, field.tom)
    body = LeadReport(
        account_id=field.acme,
        seen="leak",
        observation="hose sweats",
        estimated_value=Decimal("9000"),  # >= 5,000: routed to the owner, not to tom
    )
    row = service.report_lead(session, tom, body, TODAY, S, COMPANY)
    assert service.inbox(session, tom, "open").total == 0  # nothing assigned to tom
    page = service.inbox(session, tom, None, reported=True)
    assert [(i.lead_id, i.stage, i.route) for i in page.items] == [
        (row.lead_id, "reported", "account_owner")
    ]
    # the evidence reads as words, never as a dict
    assert page.items[0].evidence_words == ["Seen: leak.", "The technician noted: “hose sweats”."]


def test_pages_show_evidence_as_sentences_and_the_owner_confirms(
    web: TestClient, session: Session, field: Field
) -> None:
    lead = session.get(Lead, field.rule_lead)
    assert lead is not None
    lead.estimated_value_cents = 40_000_00
    lead.evidence = {"rule": "repeat_repairs", "facts": {"repairs": 3, "component": "spindle"}}
    session.flush()
    _sign_hose_line(session, field)
    log_in(web, "olga")
    page = web.get(f"/accounts/{field.acme}/leads").text
    assert "The same part keeps being repaired." in page and "Part repaired: spindle." in page
    assert "&#34;repairs&#34;" not in page and '"repairs"' not in page  # no JSON dump
    lead_page = web.get(f"/inbox/{field.rule_lead}").text
    assert "Sold on site, awaiting the owner's confirmation." in lead_page
    assert "Confirm won" in lead_page and "Repaired three times." in lead_page
    token = _TOKEN.search(lead_page).group(1)  # type: ignore[union-attr]
    answer = web.post(
        f"/inbox/{field.rule_lead}/action", data={"action": "win", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert session.get(Lead, field.rule_lead).status == "converted"  # type: ignore[union-attr]


def test_a_technician_logs_in_to_today(web: TestClient, field: Field) -> None:
    token = _TOKEN.search(web.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = web.post(
        "/login",
        data={"username": "tom", "password": PASSWORD, "csrf_token": token, "next": ""},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/today"
