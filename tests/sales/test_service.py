"""An opportunity through the five phases on SQLite and PostgreSQL, counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from servitize.core.errors import Conflict, NotFound
from servitize.intelligence.models import Lead
from servitize.sales import outcome, picture, service, team
from servitize.sales import repository as repo
from servitize.sales.schemas import (
    ActivityUpdate,
    DecisionIn,
    HandoverIn,
    OpportunityCreate,
    OpportunityUpdate,
    OutcomeIn,
    TeamMemberIn,
)
from servitize.trust.audit import entries
from tests import builders as b

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _setup(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    acc = b.account(session, name="Nordic Paper", owner_id=owner.id, currency="SEK")
    return owner, acc


def _finish_required(session, user, opp) -> None:  # type: ignore[no-untyped-def]
    """Tick every required activity of the opportunity's current phase."""
    for a in repo.activities_of(session, [opp.id]):
        if a.phase == opp.phase and a.required and a.status != "done":
            service.update_activity(
                session, user, opp.id, a.id, ActivityUpdate(status="done"), today=NOW.date()
            )


def test_create_from_a_lead_instantiates_the_template(session) -> None:  # type: ignore[no-untyped-def]
    owner, acc = _setup(session)
    lead = Lead(
        account_id=acc.id,
        offering_key="retrofit",
        asset_ids=[],
        source="rule",
        rule="repeat_repairs",
        score=0.8,
        story="Seal repairs tripled on PM3",
        evidence={"repairs_12m": 9},
        as_of=NOW.date(),
        expires_on=date(2027, 1, 22),
    )
    session.add(lead)
    session.flush()
    opp = service.create(
        session,
        owner,
        OpportunityCreate(
            account_id=acc.id,
            title="Line rebuild",
            source="lead",
            lead_id=lead.id,
            value="250000",
            lead_story="Seal repairs tripled on PM3",
            lead_evidence={"repairs_12m": 9},
        ),
        now=NOW,
    )
    assert (opp.phase, opp.status, opp.currency, opp.value_cents, opp.owner_id) == (
        1,
        "open",
        "SEK",
        25_000_000,
        owner.id,
    )
    assert (opp.lead_id, opp.lead_story, opp.lead_evidence) == (
        lead.id,
        "Seal repairs tripled on PM3",
        {"repairs_12m": 9},
    )
    acts = repo.activities_of(session, [opp.id])
    assert len(acts) == 38  # the project template's activities
    review = next(a for a in acts if a.code == "opportunity_review")
    assert (review.phase, review.layer, review.actor, review.required) == (
        1,
        "support",
        "sales",
        True,
    )
    assert review.due_on == date(2026, 12, 21)  # 28 days after Nov 23
    assert next(a for a in acts if a.code == "kickoff").due_on is None  # phase 4: dated on entry
    assert [e.action for e in entries(session, "opportunity", str(opp.id))] == ["create"]


def test_through_the_phases_with_gates_and_reasons(session) -> None:  # type: ignore[no-untyped-def]
    owner, acc = _setup(session)
    opp = service.create(
        session,
        owner,
        OpportunityCreate(account_id=acc.id, title="Line rebuild", value="250000"),
        now=NOW,
    )
    with pytest.raises(Conflict) as err:
        service.advance(session, owner, opp.id, now=NOW)
    assert err.value.message == (
        "cannot leave phase 1: required activity not done: Map the customer's decision-making structure; "
        "required activity not done: Opportunity review with the standard template"
    )
    _finish_required(session, owner, opp)
    later = NOW + timedelta(days=10)
    assert service.advance(session, owner, opp.id, now=later).phase == 2
    validation = next(
        a for a in repo.activities_of(session, [opp.id]) if a.code == "validation_meeting"
    )
    assert validation.due_on == date(2026, 12, 17)  # entered Dec 3, due 14 days later

    _finish_required(session, owner, opp)
    with pytest.raises(Conflict, match="gate pursue has no go decision"):
        service.advance(session, owner, opp.id, now=later)
    with pytest.raises(Conflict, match="the tender gate comes after a pursue go decision"):
        service.decide(
            session, owner, opp.id, DecisionIn(gate="tender", decision="go", reason="fits us")
        )
    d = service.decide(
        session,
        owner,
        opp.id,
        DecisionIn(gate="pursue", decision="go", reason="strategic mill"),
        now=later,
    )
    assert (d.decided_by, d.phase, d.reason) == ("anna", 2, "strategic mill")
    assert service.advance(session, owner, opp.id, now=later).phase == 3

    # The customer asks for 90 days' payment: outside the borderline, no tender.
    service.update(
        session, owner, opp.id, OpportunityUpdate(terms={"payment_days": 90, "warranty_months": 24})
    )
    with pytest.raises(Conflict) as err:
        service.decide(
            session, owner, opp.id, DecisionIn(gate="tender", decision="go", reason="we want it")
        )
    assert "payment term 90 days is above the acceptable 60 days" in err.value.message
    service.update(session, owner, opp.id, OpportunityUpdate(terms={"payment_days": 45}))
    service.decide(
        session, owner, opp.id, DecisionIn(gate="tender", decision="go", reason="inside terms")
    )

    with pytest.raises(Conflict, match="a won opportunity needs a contract value"):
        outcome.record_outcome(session, owner, opp.id, OutcomeIn(result="won"))
    outcome.record_outcome(
        session,
        owner,
        opp.id,
        OutcomeIn(
            result="won",
            contract_value="240000",
            reasons=["early_engagement", "references"],
            lessons="Design on site early made the layout ours",
            reference_case=True,
        ),
    )
    assert (opp.status, opp.contract_value_cents) == ("won", 24_000_000)

    _finish_required(session, owner, opp)  # includes the handover activity
    assert service.advance(session, owner, opp.id, now=later).phase == 4
    with pytest.raises(Conflict, match="gate acceptance has no go decision"):
        _finish_required(session, owner, opp)
        service.advance(session, owner, opp.id, now=later)
    project_side = b.user(session, username="petra", role="service_manager")
    service.decide(
        session,
        project_side,
        opp.id,
        DecisionIn(gate="acceptance", decision="go", reason="FAT passed"),
    )
    assert service.advance(session, owner, opp.id, now=later).phase == 5
    assert opp.commissioned_on == later.date()
    actions = [e.action for e in entries(session, "opportunity", str(opp.id))]
    assert actions.count("advance") == 4 and actions.count("decide") == 3 and "outcome" in actions


def test_no_go_decisions_close_and_big_deals_need_approval(session) -> None:  # type: ignore[no-untyped-def]
    owner, acc = _setup(session)
    small = service.create(
        session, owner, OpportunityCreate(account_id=acc.id, title="Small"), now=NOW
    )
    service.decide(
        session,
        owner,
        small.id,
        DecisionIn(gate="pursue", decision="no-go", reason="no budget", confirm=True),
    )
    assert small.status == "rejected"
    with pytest.raises(Conflict, match="closed \\(rejected\\)"):
        service.advance(session, owner, small.id)

    big = service.create(
        session,
        owner,
        OpportunityCreate(
            account_id=acc.id, title="Big", value="2000000", terms={"payment_days": 120}
        ),
        now=NOW,
    )
    service.decide(session, owner, big.id, DecisionIn(gate="pursue", decision="go", reason="yes"))
    view = picture.detail(session, owner, big.id)
    assert view.gates_needed == ["pursue", "tender", "approval", "acceptance"]
    big.phase = 3  # the tender gate is decided in phase 3
    service.decide(
        session,
        owner,
        big.id,
        DecisionIn(
            gate="tender", decision="no_go", confirm=True, reason="terms outside what we accept"
        ),
    )
    assert big.status == "no_bid"
    last = repo.decisions_of(session, [big.id])[-1]
    assert last.details["outside_borderline"] == [
        "payment term 120 days is above the acceptable 60 days"
    ]


def test_team_handover_and_visibility(session) -> None:  # type: ignore[no-untyped-def]
    owner, acc = _setup(session)
    pm = b.user(session, username="pete", full_name="Pete Project", role="sales_manager")
    opp = service.create(
        session, owner, OpportunityCreate(account_id=acc.id, title="Rebuild"), now=NOW
    )
    m = team.nominate(
        session, owner, opp.id, TeamMemberIn(role="project", user_id=pm.id), today=NOW.date()
    )
    assert (m.name, m.engaged_phase, team.member_read(m).early) == ("Pete Project", 1, True)
    with pytest.raises(Conflict, match="phase 3"):
        team.handover(session, owner, opp.id, HandoverIn(checklist={"requirements": True}))
    stranger = b.user(session, username="sam", role="account_owner")
    with pytest.raises(NotFound):
        service.advance(session, stranger, opp.id)
    assert repo.page(session, stranger)[1] == 0
    assert repo.page(session, owner)[1] == 1


def test_outcomes_are_searchable_and_surveys_answer_once(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.core.settings import Settings

    owner, acc = _setup(session)
    lost = service.create(
        session, owner, OpportunityCreate(account_id=acc.id, title="Lost one"), now=NOW
    )
    outcome.record_outcome(
        session,
        owner,
        lost.id,
        OutcomeIn(
            result="lost",
            reasons=["price", "delivery_time"],
            competitor="RivalCo",
            lessons="Involve the project office before the budget offer",
        ),
    )
    assert [o.title for o in outcome.search_outcomes(session, owner, q="project office")] == [
        "Lost one"
    ]
    assert [o.title for o in outcome.search_outcomes(session, owner, reason="price")] == [
        "Lost one"
    ]
    assert outcome.search_outcomes(session, owner, reason="references") == []
    assert outcome.search_outcomes(session, owner, q="rivalco")[0].competitor == "RivalCo"

    settings = Settings(secret_key="test-secret", environment="test")
    with pytest.raises(Conflict, match="won opportunities after delivery"):
        outcome.send_survey(session, owner, lost.id, settings)
    won = service.create(session, owner, OpportunityCreate(account_id=acc.id, title="Won"), now=NOW)
    won.status, won.phase = "won", 5
    session.flush()
    _survey, token = outcome.send_survey(session, owner, won.id, settings)
    with pytest.raises(NotFound):
        outcome.answer_survey(session, settings, token + "x", 5, 10)
    outcome.answer_survey(session, settings, token, 4, 9, "good project")
    with pytest.raises(Conflict, match="answered already"):
        outcome.answer_survey(session, settings, token, 1, 0)
    result = outcome.account_surveys(session, owner, acc.id)
    assert (result.sent, result.answered, result.satisfaction, result.nps) == (
        1,
        1,
        4.0,
        100,
    )
