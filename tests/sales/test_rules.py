"""The pure rules of the solution-sales process, with expected values worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from servitize.sales import rules
from servitize.sales.process import PHASES, Policy, parse_template, policy, template
from servitize.sales.rules import ActivityFact, Journey, OpportunityFacts

POLICY = replace(
    policy(),
    approval_value_cents=1_000_000_00,
    approval_risk=("high",),
    phase_probability={1: 10, 2: 25, 3: 50, 4: 100, 5: 100},
    stall_days={1: 30, 2: 30, 3: 30, 4: 30, 5: 30},
    dormant_days=180,
)
TPL = template("project")


def _facts(**kw) -> OpportunityFacts:  # type: ignore[no-untyped-def]
    return OpportunityFacts(**({"phase": 1, "status": "open"} | kw))


def test_templates_cover_five_phases_and_all_three_offering_types() -> None:
    for kind in ("project", "service_agreement", "subscription"):
        t = template(kind)
        assert {a.phase for a in t.activities} == set(PHASES)
        assert [g.gate for g in t.gates] == ["pursue", "tender", "approval", "acceptance"]
        assert any(a.touchpoint for a in t.activities)
    codes = {a.code for a in TPL.activities}
    assert {
        "opportunity_review",
        "decision_structure",
        "feasibility_study",
        "layout_codesign",
        "budget_offer",
        "specification_review",
        "tender_preparation",
        "reference_visit",
        "availability_agreement",
        "service_in_negotiation",
        "handover",
        "kickoff",
        "design_meetings",
        "factory_acceptance",
        "commissioning",
        "satisfaction_survey",
        "key_account_visits",
        "remote_monitoring",
        "renewal",
    } <= codes


def test_a_template_with_an_unknown_layer_is_refused() -> None:
    bad = {
        "offering_type": "x",
        "title": "x",
        "activities": {1: [{"code": "a", "title": "A", "actor": "sales", "layer": "cellar"}]},
    }
    with pytest.raises(ValueError, match="unknown layer cellar"):
        parse_template(bad)


def test_phase_3_needs_a_pursue_go() -> None:
    f = _facts(phase=2, decisions={})
    # With no template activities the pursue rule still holds on its own.
    assert rules.advance_blockers(f, TPL, POLICY) == ["gate pursue has no go decision"]
    assert rules.advance_blockers(replace(f, decisions={"pursue": "no_go"}), TPL, POLICY) == [
        "gate pursue has no go decision"
    ]
    assert rules.advance_blockers(replace(f, decisions={"pursue": "go"}), TPL, POLICY) == []


def test_a_template_without_a_pursue_gate_still_cannot_enter_phase_3() -> None:
    no_gates = replace(TPL, gates=())
    assert rules.advance_blockers(_facts(phase=2), no_gates, POLICY) == [
        "phase 3 needs a recorded pursue go decision"
    ]


def test_required_activities_of_the_current_phase_block_the_move() -> None:
    acts = (
        ActivityFact(1, "Opportunity review", True, "open"),
        ActivityFact(1, "Regular visits", False, "open"),
        ActivityFact(2, "Validation meeting", True, "open"),
    )
    assert rules.advance_blockers(_facts(activities=acts), TPL, POLICY) == [
        "required activity not done: Opportunity review"
    ]
    done = (replace(acts[0], status="done"), *acts[1:])
    assert rules.advance_blockers(_facts(activities=done), TPL, POLICY) == []


def test_phase_4_starts_after_a_won_contract_and_approval_only_above_the_threshold() -> None:
    f = _facts(phase=3, value_cents=500_000_00, decisions={"pursue": "go", "tender": "go"})
    assert rules.advance_blockers(f, TPL, POLICY) == [
        "phase 4 starts after the contract: mark the opportunity won first"
    ]
    assert rules.advance_blockers(replace(f, status="won"), TPL, POLICY) == []
    big = replace(f, status="won", value_cents=1_000_000_00)  # at the threshold: approval needed
    assert rules.advance_blockers(big, TPL, POLICY) == ["gate approval has no go decision"]
    risky = replace(f, status="won", risk="high")
    assert rules.gates_of_phase(risky, TPL, POLICY, 3) == ["tender", "approval"]
    assert rules.gates_of_phase(f, TPL, POLICY, 3) == ["tender"]


def test_closed_and_last_phase_opportunities_do_not_move() -> None:
    assert rules.advance_blockers(_facts(status="lost"), TPL, POLICY) == [
        "the opportunity is closed (lost)"
    ]
    assert rules.advance_blockers(_facts(phase=5, status="won"), TPL, POLICY) == [
        "phase 5 is the last phase"
    ]


def test_winning_needs_a_contract_value_phase_3_and_the_gates() -> None:
    f = _facts(phase=3, decisions={"pursue": "go", "tender": "go"})
    assert rules.win_blockers(f, TPL, POLICY) == ["a won opportunity needs a contract value"]
    assert rules.win_blockers(replace(f, contract_value_cents=1), TPL, POLICY) == []
    early = _facts(phase=2, contract_value_cents=5)
    assert rules.win_blockers(early, TPL, POLICY) == [
        "an opportunity is won in phase 3 (negotiation) or later",
        "gate tender has no go decision",
    ]


def test_gate_decisions_order_and_effects() -> None:
    assert rules.decision_blockers("tender", _facts(phase=2)) == [
        "the tender gate comes after a pursue go decision"
    ]
    assert rules.decision_blockers("pursue", _facts(phase=1)) == []
    assert rules.decision_blockers("acceptance", _facts(phase=3, status="won")) == [
        "the acceptance test is decided in phase 4, after the contract is won"
    ]
    assert rules.decision_blockers("acceptance", _facts(phase=4, status="won")) == []
    assert rules.status_after_decision("pursue", "no_go", "open") == "rejected"
    assert rules.status_after_decision("tender", "no_go", "open") == "no_bid"
    assert rules.status_after_decision("approval", "no_go", "open") == "open"
    assert rules.status_after_decision("pursue", "go", "open") == "open"


def test_terms_outside_the_borderline_are_named() -> None:
    borderline = {
        "payment_days": {"max": 60, "label": "payment term", "unit": "days"},
        "delivery_weeks": {"min": 16, "label": "delivery time", "unit": "weeks"},
    }
    assert (
        rules.terms_outside_borderline({"payment_days": 60, "delivery_weeks": 16}, borderline) == []
    )
    assert rules.terms_outside_borderline(
        {"payment_days": 90, "delivery_weeks": 10}, borderline
    ) == [
        "payment term 90 days is above the acceptable 60 days",
        "delivery time 10 weeks is below the acceptable 16 weeks",
    ]
    assert rules.terms_outside_borderline(None, borderline) == []


def test_late_early_and_dormant() -> None:
    today = date(2026, 11, 23)
    assert rules.is_late("open", date(2026, 11, 22), today)
    assert not rules.is_late("open", today, today)
    assert not rules.is_late("done", date(2026, 1, 1), today)
    assert rules.early_engagement(2) and not rules.early_engagement(3)
    # commissioned 200 days ago, touch-point 181 days ago: dormant; 180 days ago: not yet
    assert rules.is_dormant(date(2026, 5, 7), date(2026, 5, 26), today, 180)
    assert not rules.is_dormant(date(2026, 5, 7), date(2026, 5, 27), today, 180)
    assert not rules.is_dormant(None, None, today, 180)


def test_weighted_forecast_by_phase() -> None:
    rows = [
        (1, "EUR", 100_000_00, None),  # default 10 % -> 10,000
        (1, "EUR", 50_000_00, 40),  # own 40 % -> 20,000
        (3, "EUR", 200_000_00, None),  # default 50 % -> 100,000
        (3, "SEK", 10_000_00, 30),
    ]  # 3,000 SEK
    out = rules.weighted_forecast(rows, POLICY)
    assert [(r.phase, r.currency, r.count, r.value_cents, r.weighted_cents) for r in out] == [
        (1, "EUR", 2, 150_000_00, 30_000_00),
        (3, "EUR", 1, 200_000_00, 100_000_00),
        (3, "SEK", 1, 10_000_00, 3_000_00),
    ]


def test_conversion_cycle_time_and_stalls() -> None:
    def at(day: int) -> datetime:
        return datetime(2026, 1, day, tzinfo=UTC)

    journeys = [
        Journey({1: at(1), 2: at(11), 3: at(21)}, 3, "open"),  # 10 d in 1, 10 d in 2
        Journey({1: at(1), 2: at(21)}, 2, "rejected"),  # 20 d in 1
        Journey({1: at(1)}, 1, "open"),  # still in 1 since Jan 1
    ]
    stats = {
        s.phase: s for s in rules.phase_stats(journeys, datetime(2026, 2, 15, tzinfo=UTC), POLICY)
    }
    assert (stats[1].reached, stats[1].moved_on, stats[1].conversion, stats[1].cycle_days) == (
        3,
        2,
        0.667,
        15.0,
    )
    assert (stats[2].reached, stats[2].moved_on, stats[2].conversion, stats[2].cycle_days) == (
        2,
        1,
        0.5,
        10.0,
    )
    # Feb 15 - Jan 1 = 45 days > 30: stalled in phase 1; the phase-3 one entered Jan 21: 25 days, not stalled
    assert (stats[1].open_here, stats[1].stalled) == (1, 1)
    assert (stats[3].open_here, stats[3].stalled, stats[3].conversion) == (1, 0, 0.0)
    assert stats[5].conversion is None


def test_policy_reads_the_packaged_file() -> None:
    p = policy()
    assert isinstance(p, Policy)
    assert p.borderline["payment_days"]["max"] == 60
    assert set(p.handover_checklist) >= {"requirements", "schedule", "resources"}
