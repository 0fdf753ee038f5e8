"""The pure rules, with expectations worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from servitize.field import rules
from servitize.kit.money import Rates

NEXT = rules.NextVisit(visit_id=7, technician_id=3, day=date(2026, 11, 25), open_leads=0)


def test_small_lead_goes_to_the_next_visits_technician() -> None:
    d = rules.route(4_999_99, 5_000_00, owner_id=1, next_visit=NEXT, max_open=5)
    assert (d.route, d.assigned_to_id, d.visit_id) == ("technician", 3, 7)


def test_lead_at_the_threshold_goes_to_the_owner() -> None:
    d = rules.route(5_000_00, 5_000_00, owner_id=1, next_visit=NEXT, max_open=5)
    assert (d.route, d.assigned_to_id, d.visit_id) == ("account_owner", 1, None)


def test_small_lead_without_visit_or_over_the_cap_goes_to_the_owner() -> None:
    assert rules.route(100, 5_000_00, 1, None, 5).route == "account_owner"
    full = rules.NextVisit(7, 3, date(2026, 11, 25), open_leads=5)
    d = rules.route(100, 5_000_00, 1, full, 5)
    assert d.route == "account_owner" and "5 open leads" in d.reason


def test_conversion_into_the_accounts_currency() -> None:
    # 1 SEK = 0.09 EUR (company EUR); 900 EUR in SEK = 900 / 0.09 = 10,000 SEK
    day, sek = date(2026, 11, 25), Rates({"SEK": [(date(2026, 1, 1), 0.09)]}, "EUR")
    assert rules.convert_to(900_00, "EUR", "SEK", sek, day) == 10_000_00
    assert rules.convert_to(10_000_00, "SEK", "EUR", sek, day) == 900_00
    assert rules.convert_to(5, "EUR", "EUR", Rates({}, "EUR"), day) == 5
    assert rules.convert_to(5, "EUR", "USD", Rates({}, "EUR"), day) is None


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = date(2026, 11, 27)
    assert rules.add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert rules.add_working_days(friday, 2, (date(2026, 11, 30),)) == date(2026, 12, 2)
    assert rules.working_days_between(friday, date(2026, 12, 4)) == 5
    assert rules.working_days_between(friday, friday) == 0


def test_due_days_and_escalation() -> None:
    sla = rules.Sla(first_action=2, proposal=5, close=20)
    reported = datetime(2026, 11, 26, 9, tzinfo=UTC)  # Thursday
    due = rules.due("reported", reported, None, None, sla)
    assert due == date(2026, 11, 30)  # Fri, Mon
    assert not rules.should_escalate("reported", due, date(2026, 11, 30), None)
    assert rules.should_escalate("reported", due, date(2026, 12, 1), None)
    assert not rules.should_escalate("reported", due, date(2026, 12, 1), reported)  # once
    assert not rules.should_escalate("won", None, date(2026, 12, 1), None)
    acted = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert rules.due("actioned", reported, acted, None, sla) == date(2026, 12, 7)
    assert rules.due("lost", reported, acted, None, sla) is None


def test_stage_transitions() -> None:
    assert rules.next_stage("reported", "confirm") == "actioned"
    assert rules.next_stage("actioned", "propose") == "proposed"
    assert rules.next_stage("proposed", "win") == "won"
    assert rules.next_stage("reported", "dismiss") == "dismissed"
    with pytest.raises(ValueError):
        rules.next_stage("won", "lose")
    with pytest.raises(ValueError):
        rules.next_stage("proposed", "confirm")


def test_points_badges_and_ranking() -> None:
    assert [rules.feedback_points(r) for r in (5, 4, 3, 1)] == [10, 5, 0, 0]
    t = rules.Tally(user_id=1, points=100, confirmed_leads=1, signed_sheets=0, good_feedback=3)
    assert rules.badges(t) == ["first_lead", "customer_favourite", "centurion"]
    ranked = rules.rank(
        [
            rules.Tally(1, 10, 1, 0, 0),
            rules.Tally(2, 30, 0, 1, 1),
            rules.Tally(3, 10, 1, 0, 0),
            rules.Tally(4, 5, 0, 0, 1),
        ]
    )
    assert [(r, t.user_id) for r, t in ranked] == [(1, 2), (2, 1), (2, 3), (4, 4)]


def test_sheet_proposal_puts_leads_first_then_behaviour() -> None:
    eligible = [
        rules.Eligible(1, "inspection", "Hose check"),
        rules.Eligible(2, "spare_parts", "Bearing kit"),
        rules.Eligible(3, "condition_monitoring", "Oil analysis"),
        rules.Eligible(4, "training", "Operator training"),
    ]
    behaviour = rules.Behaviour(
        repairs=3, maintenance=0, inspections=0, uncovered_assets=0, old_assets=0
    )
    leads = [rules.OpenLead(lead_id=9, offering_id=None, offering_key="condition_monitoring")]
    lines = rules.propose(eligible, behaviour, leads, limit=3)
    assert lines == [
        (3, 9, "answers an open lead"),
        (1, None, "3 repairs in 12 months"),
        (2, None, "standard sign-up activity"),
    ]
    quiet = rules.Behaviour(0, 0, 0, 0, 0)
    assert [x[0] for x in rules.propose(eligible, quiet, [], limit=6)] == [1, 2, 3, 4]


def test_month_of() -> None:
    assert rules.month_of(date(2026, 3, 9)) == "2026-03"
