"""Service use cases on both databases: routing, clocks, escalation, sheets, recognition."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput, NotFound, PermissionDenied
from servitize.core.settings import FieldSettings, Settings
from servitize.field import recognition, service, sheets
from servitize.field.models import LeadRoute
from servitize.field.schemas import Feedback, LeadReport, Signing
from servitize.installed_base.models import Order, Visit
from servitize.intelligence.models import Lead
from servitize.trust.audit import Actor, entries
from servitize.trust.models import User
from tests.field.seed import Field, rule_lead

TODAY = date.today()
S = FieldSettings()
COMPANY = Settings(company_currency="EUR")


def _user(session: Session, uid: int) -> User:
    return session.get(User, uid)  # type: ignore[return-value]


def _report(session: Session, f: Field, value: str, who: int | None = None, **kw) -> LeadRoute:  # type: ignore[no-untyped-def]
    body = LeadReport(
        account_id=f.acme,
        asset_id=f.press,
        seen="leak",
        observation="hose sweats",
        estimated_value=Decimal(value),
        **kw,
    )
    return service.report_lead(session, _user(session, who or f.tom), body, TODAY, S, COMPANY)


def test_small_report_goes_to_the_technician_of_the_next_visit(
    session: Session, field: Field
) -> None:
    row = _report(session, field, "4999.99")
    assert (row.route, row.assigned_to_id, row.visit_id) == (
        "technician",
        field.tom,
        field.visit_tom,
    )
    lead = session.get(Lead, row.lead_id)
    assert lead.source == "technician" and lead.estimated_value_cents == 499_999
    assert lead.offering_key == "tech:inspection" and lead.asset_ids == [field.press]
    assert "hose sweats" in lead.story and "Tom Keller" in lead.story
    assert [e.action for e in entries(session, "lead", str(lead.id))] == ["route", "create"]


def test_big_report_goes_to_the_account_owner(session: Session, field: Field) -> None:
    row = _report(session, field, "5000")
    assert (row.route, row.assigned_to_id) == ("account_owner", field.olga)


def test_a_retried_report_is_stored_once(session: Session, field: Field) -> None:
    first = _report(session, field, "100", client_key="abcdefgh1234")
    again = _report(session, field, "100", client_key="abcdefgh1234")
    assert again.id == first.id
    assert session.scalar(select(LeadRoute.id).where(LeadRoute.lead_id != first.lead_id)) is None


def test_a_technician_cannot_report_on_another_territory(session: Session, field: Field) -> None:
    body = LeadReport(account_id=field.southco, observation="seen", estimated_value=Decimal(1))
    with pytest.raises(NotFound):
        service.report_lead(session, _user(session, field.tom), body, TODAY, S, COMPANY)
    with pytest.raises(InvalidInput):  # a machine of another account
        other = LeadReport(
            account_id=field.acme, asset_id=10**9, observation="seen", estimated_value=Decimal(1)
        )
        service.report_lead(session, _user(session, field.tom), other, TODAY, S, COMPANY)


def test_batch_routing_caps_the_technician_best_scored_first(
    session: Session, field: Field
) -> None:
    for score in (0.9, 0.5):
        rule_lead(session, field.acme, score=score, offering_key=f"k{score}")
    result = service.route_new_leads(
        session, Actor("t"), TODAY, FieldSettings(max_open_per_technician=2), COMPANY
    )
    assert result == {"routed": 3, "technician": 2, "account_owner": 1, "rehomed": 0, "closed": 0}
    routes = {r.score: r for r in session.scalars(select(LeadRoute))}
    assert routes[0.9].route == "technician" and routes[0.8].route == "technician"
    assert routes[0.5].route == "account_owner" and "2 open leads" in routes[0.5].reason
    assert service.route_new_leads(session, Actor("t"), TODAY, S, COMPANY)["routed"] == 0


def test_owner_sees_every_lead_technician_only_theirs(session: Session, field: Field) -> None:
    small, big = _report(session, field, "100"), _report(session, field, "9000")
    owner = service.inbox(session, _user(session, field.olga), "open")
    assert {i.lead_id for i in owner.items} == {small.lead_id, big.lead_id}
    tom = service.inbox(session, _user(session, field.tom), "open")
    assert [i.lead_id for i in tom.items] == [small.lead_id]
    assert service.inbox(session, _user(session, field.tina), "open").total == 0


def test_the_clock_runs_and_dismissed_leads_keep_their_reason(
    session: Session, field: Field
) -> None:
    row = _report(session, field, "9000")
    olga = _user(session, field.olga)
    with pytest.raises(InvalidInput):
        service.act(session, olga, row.lead_id, "dismiss", "")
    service.act(session, olga, row.lead_id, "act")
    assert row.first_action_at is not None and row.confirmed  # a technician's lead, taken on
    service.act(session, olga, row.lead_id, "propose")
    service.act(session, olga, row.lead_id, "lose", "bought from a competitor")
    lead = session.get(Lead, row.lead_id)
    assert (row.stage, lead.status) == ("lost", "dismissed")
    assert lead.dismissed_reason == "lost: bought from a competitor"
    assert row.close_reason == "bought from a competitor"
    with pytest.raises(PermissionDenied):  # tom is not assigned to it
        small = _report(session, field, "9001")
        service.act(session, _user(session, field.tom), small.lead_id, "act")


def test_escalation_goes_to_the_territorys_service_manager_once(
    session: Session, field: Field
) -> None:
    row = _report(session, field, "9000")
    row.reported_at = row.reported_at - timedelta(days=10)  # 10 calendar days >= 6 working days
    assert service.escalate_overdue(session, Actor("t"), TODAY, S) == 1
    assert row.escalated_to_id == field.sam and row.escalated_at is not None
    assert service.escalate_overdue(session, Actor("t"), TODAY, S) == 0
    page = service.inbox(session, _user(session, field.sam), "escalated")
    assert [i.lead_id for i in page.items] == [row.lead_id] and page.items[0].overdue


def test_signed_sheet_becomes_technician_orders_and_closes_its_lead(
    session: Session, field: Field
) -> None:
    service.route_new_leads(session, Actor("t"), TODAY, S, COMPANY)  # the hose-check rule lead
    tom = _user(session, field.tom)
    sheet = sheets.propose_sheet(session, tom, session.get(Visit, field.visit_tom), TODAY, S)
    read = sheets.sheet_read(session, sheet)
    # the open lead's offering first; 3 repairs -> inspection taken -> condition monitoring;
    # one machine without contract -> no eligible contract family left; then the rest
    assert [(x.name, x.lead_id, x.reason) for x in read.lines] == [
        ("Hydraulic hose check", field.rule_lead, "answers an open lead"),
        ("Oil analysis", None, "3 repairs in 12 months"),
        ("Spindle bearing kit", None, "standard sign-up activity"),
    ]
    hose, kit = read.lines[0].id, read.lines[2].id
    orders = sheets.sign(
        session,
        tom,
        sheet,
        Signing(
            line_ids=[hose, kit],
            signer_name="Hanna Vogt",
            signature="data:image/png;base64,iVBORw0KGgo=",
        ),
        TODAY,
    )
    assert [(o.amount_cents, o.channel, o.sold_by_id) for o in orders] == [
        (350_00, "technician", field.tom),
        (1_200_00, "technician", field.tom),
    ]
    assert sheets.sheet_read(session, sheet).total_ticked == Decimal("1550.00")
    assert session.get(Lead, field.rule_lead).status == "converted"
    route = session.scalar(select(LeadRoute).where(LeadRoute.lead_id == field.rule_lead))
    assert route.stage == "won"
    assert session.scalar(select(Order).where(Order.external_id == f"SUS-{sheet.id}-{hose}"))
    assert {e.action for e in entries(session, "order")} == {"create"}
    assert entries(session, "sign_up_sheet", str(sheet.id))[0].action == "sign"
    board = recognition.leaderboard(session, TODAY.strftime("%Y-%m"), "north")
    # 20 for the sheet; the rule lead was routed to tom's visit: confirmed (won) 10 + won 15
    assert [(s.user.username, s.points, s.signed_sheets) for s in board.standings] == [
        ("tom", 45, 1)
    ]
    assert board.standings[0].badges == ["first_lead", "sign_up_starter"]


def test_sheet_rules(session: Session, field: Field) -> None:
    tina, tom = _user(session, field.tina), _user(session, field.tom)
    with pytest.raises(PermissionDenied):
        sheets.propose_sheet(session, tina, session.get(Visit, field.visit_tom), TODAY, S)
    sheet = sheets.propose_sheet(session, tom, session.get(Visit, field.visit_tom), TODAY, S)
    with pytest.raises(NotFound):
        sheets.get_sheet(session, tina, sheet.id)
    with pytest.raises(InvalidInput):
        sheets.sign(session, tom, sheet, Signing(line_ids=[1], signer_name="Hanna"), TODAY)
    sheets.set_lines(session, tom, sheet, [field.oil_analysis])
    assert [x.name for x in sheets.sheet_read(session, sheet).lines] == ["Oil analysis"]
    line = sheets.sheet_read(session, sheet).lines[0].id
    sheets.sign(
        session, tom, sheet, Signing(line_ids=[line], signer_name="Hanna", signed_on="paper"), TODAY
    )
    with pytest.raises(Exception, match="signed"):
        sheets.sign(
            session,
            tom,
            sheet,
            Signing(line_ids=[line], signer_name="Hanna", signed_on="paper"),
            TODAY,
        )


def test_feedback_points_and_contests(session: Session, field: Field) -> None:
    tom, sam = _user(session, field.tom), _user(session, field.sam)
    with pytest.raises(PermissionDenied, match="other than its technician"):  # no self-rating
        recognition.record_feedback(
            session, tom, session.get(Visit, field.visit_tom), Feedback(rating=5), TODAY
        )
    recognition.record_feedback(
        session, sam, session.get(Visit, field.visit_tom), Feedback(rating=5), TODAY
    )
    with pytest.raises(PermissionDenied):
        recognition.record_feedback(
            session, sam, session.get(Visit, field.visit_tom), Feedback(rating=4), TODAY
        )
    from servitize.field.schemas import ContestCreate

    month = TODAY.strftime("%Y-%m")
    with pytest.raises(PermissionDenied):
        recognition.create_contest(
            session, tom, ContestCreate(month=month, title="Most sign-ups", prize="Lunch")
        )
    recognition.create_contest(
        session,
        sam,
        ContestCreate(
            month=month, region="north", title="Most sign-ups", prize="Lunch with the CEO"
        ),
    )
    board = recognition.leaderboard(session, month, "north")
    assert [(s.user.username, s.points, s.good_feedback) for s in board.standings] == [
        ("tom", 10, 1)
    ]
    assert [c.title for c in board.contests] == ["Most sign-ups"]
    assert recognition.leaderboard(session, month, "south").contests == []
    assert "amount" not in board.model_dump_json()
