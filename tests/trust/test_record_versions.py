"""A stale form never silently reverts another person's change; two advances move one phase.

Machines, opportunities and outcomes carry a version; a change made on an older copy answers
409 with a reason (the page: the form again with that reason), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from servitize.core.errors import Conflict
from servitize.installed_base import fixes
from servitize.sales import outcome, service
from servitize.sales import repository as repo
from servitize.sales.models import PhaseChange
from servitize.sales.schemas import ActivityUpdate, OpportunityCreate, OpportunityUpdate, OutcomeIn
from servitize.trust.service import issue_token
from tests import builders as b

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_stale_machine_fix_answers_409_and_keeps_the_other_change(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    asset = b.asset(session, b.account(session, owner_id=owner.id), model="PX-100")
    assert asset.version == 1
    # Anna and Ben open the form at version 1; Anna saves first.
    fixes.fix_asset(session, owner, asset.id, fixes.parse_fix({"model": "PX-200", "version": "1"}))
    session.flush()
    assert (asset.model, asset.version) == ("PX-200", 2)
    with pytest.raises(Conflict) as err:
        fixes.fix_asset(
            session, owner, asset.id, fixes.parse_fix({"model": "PX-100", "version": "1"})
        )
    assert "changed by someone else" in err.value.message and "version 1" in err.value.message
    assert (asset.model, asset.version) == ("PX-200", 2)
    # Without a version (a script that does not say) the change applies to the newest.
    fixes.fix_asset(session, owner, asset.id, fixes.parse_fix({"model": "PX-300"}))
    session.flush()
    assert (asset.model, asset.version) == ("PX-300", 3)


def test_the_fix_page_shows_the_form_again_on_a_stale_version(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    asset = b.asset(session, b.account(session, owner_id=owner.id), model="PX-100", site_id=None)
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}", "Accept": "text/html"}
    page = f"/assets/{asset.id}/fix"
    form = app_client.get(page, headers=headers)
    assert 'name="version" value="1"' in form.text
    api = app_client.patch(f"/api/v1/assets/{asset.id}", headers=headers, json={"model": "PX-200"})
    assert api.status_code == 200 and api.json()["version"] == 2
    stale = app_client.post(
        page,
        headers=headers,
        data={
            "model": "PX-999",
            "origin": "own",
            "connectivity": "none",
            "coverage": "none",
            "version": "1",
        },
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text and 'value="PX-999"' in stale.text
    assert 'name="version" value="2"' in stale.text  # saving again is a deliberate choice
    assert app_client.get(f"/api/v1/assets/{asset.id}", headers=headers).json()["model"] == "PX-200"
    refused = app_client.patch(
        f"/api/v1/assets/{asset.id}", headers=headers, json={"model": "PX-1", "version": 1}
    )
    assert refused.status_code == 409 and "changed by someone else" in refused.json()["detail"]


def _opportunity(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    acc = b.account(session, owner_id=owner.id)
    opp = service.create(
        session,
        owner,
        OpportunityCreate(account_id=acc.id, title="Line rebuild", value="250000"),
        now=NOW,
    )
    for a in repo.activities_of(session, [opp.id]):
        if a.phase == 1 and a.required:
            service.update_activity(
                session, owner, opp.id, a.id, ActivityUpdate(status="done"), today=NOW.date()
            )
    session.flush()
    return owner, opp


def test_a_stale_opportunity_edit_answers_409(session) -> None:  # type: ignore[no-untyped-def]
    owner, opp = _opportunity(session)
    seen = opp.version
    service.update(
        session, owner, opp.id, OpportunityUpdate(title="Line rebuild PM3", version=seen)
    )
    session.flush()
    assert opp.version == seen + 1
    with pytest.raises(Conflict):
        service.update(session, owner, opp.id, OpportunityUpdate(title="Old title", version=seen))
    assert opp.title == "Line rebuild PM3"


def test_a_double_click_on_advance_moves_one_phase(session) -> None:  # type: ignore[no-untyped-def]
    owner, opp = _opportunity(session)
    seen = opp.version  # both clicks come from the same page
    assert (
        service.advance(session, owner, opp.id, now=NOW + timedelta(days=1), version=seen).phase
        == 2
    )
    session.flush()
    with pytest.raises(Conflict):
        service.advance(session, owner, opp.id, now=NOW + timedelta(days=1), version=seen)
    moves = session.scalar(
        select(func.count())
        .select_from(PhaseChange)
        .where(PhaseChange.opportunity_id == opp.id, PhaseChange.from_phase >= 1)
    )
    assert (opp.phase, moves) == (2, 1)


def test_an_outcome_recorded_meanwhile_is_not_overwritten(session) -> None:  # type: ignore[no-untyped-def]
    owner, opp = _opportunity(session)
    reason = "price"
    first = outcome.record_outcome(
        session,
        owner,
        opp.id,
        OutcomeIn(result="lost", reasons=[reason], lessons="Anna's analysis", version=0),
        now=NOW,
    )
    session.flush()
    assert first.version == 1
    with pytest.raises(Conflict):  # Ben's form was opened before Anna's analysis existed
        outcome.record_outcome(
            session,
            owner,
            opp.id,
            OutcomeIn(result="lost", reasons=[reason], lessons="Ben's analysis", version=0),
            now=NOW,
        )
    assert first.lessons == "Anna's analysis"
    second = outcome.record_outcome(
        session,
        owner,
        opp.id,
        OutcomeIn(result="lost", reasons=[reason], lessons="Anna's analysis, completed", version=1),
        now=NOW,
    )
    session.flush()
    assert (second.lessons, second.version) == ("Anna's analysis, completed", 2)
