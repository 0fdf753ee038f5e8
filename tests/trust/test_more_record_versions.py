"""Sales activities and downtime records carry a version too: a change made on an older copy
answers 409 (the page: the reason in its fragment; the CLI: exit 2) instead of reverting
another person's change, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servitize.core.errors import Conflict
from servitize.sales import repository as repo
from servitize.sales import service
from servitize.sales.schemas import ActivityUpdate, OpportunityCreate
from servitize.telemetry import downtime
from servitize.trust.audit import Actor
from servitize.trust.service import issue_token
from tests import builders as b

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _activity(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    acc = b.account(session, owner_id=owner.id)
    opp = service.create(
        session,
        owner,
        OpportunityCreate(account_id=acc.id, title="Line rebuild", value="250000"),
        now=NOW,
    )
    session.flush()
    first = next(a for a in repo.activities_of(session, [opp.id]) if a.phase == 1)
    return owner, opp, first


def test_a_stale_activity_change_answers_409_and_keeps_the_other(session) -> None:  # type: ignore[no-untyped-def]
    owner, opp, act = _activity(session)
    assert act.version == 1
    # Anna and Ben both see version 1; Anna writes her notes first.
    service.update_activity(
        session, owner, opp.id, act.id, ActivityUpdate(notes="Anna's call notes", version=1)
    )
    session.flush()
    assert (act.notes, act.version) == ("Anna's call notes", 2)
    with pytest.raises(Conflict) as err:
        service.update_activity(
            session, owner, opp.id, act.id, ActivityUpdate(notes="Ben's notes", version=1)
        )
    assert "changed by someone else" in err.value.message and "version 1" in err.value.message
    assert (act.notes, act.version) == ("Anna's call notes", 2)
    # A client that does not say which version it saw changes the newest.
    service.update_activity(
        session, owner, opp.id, act.id, ActivityUpdate(status="done"), today=NOW.date()
    )
    session.flush()
    assert (act.status, act.version) == ("done", 3)


def test_the_activity_api_and_page_send_and_check_the_version(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, opp, act = _activity(session)
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    url = f"/api/v1/opportunities/{opp.id}/activities/{act.id}"
    listed = app_client.get(f"/api/v1/opportunities/{opp.id}/activities", headers=headers).json()
    assert next(a for a in listed if a["id"] == act.id)["version"] == 1
    done = app_client.patch(url, headers=headers, json={"status": "done", "version": 1})
    assert done.status_code == 200 and done.json()["version"] == 2
    stale = app_client.patch(url, headers=headers, json={"status": "open", "version": 1})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    # The page's Done/Reopen button carries the version it showed; a second click of the same
    # page (version 1 again) reopens nothing and says why.
    page = app_client.get(f"/opportunities/{opp.id}", headers=headers | {"Accept": "text/html"})
    assert 'name="version" value="2"' in page.text
    again = app_client.post(
        f"/opportunities/{opp.id}/activities/{act.id}",
        data={"status": "open", "version": "1"},
        headers=headers | {"HX-Request": "true"},
    )
    assert "changed by someone else" in again.text
    session.refresh(act)
    assert (act.status, act.version) == ("done", 2)


def test_a_stale_downtime_edit_answers_409(session) -> None:  # type: ignore[no-untyped-def]
    asset = b.asset(session, b.account(session), serial="DT-V1")
    session.flush()
    period = downtime.add_downtime(
        session,
        Actor("anna"),
        asset.id,
        datetime(2026, 4, 2, 8, tzinfo=UTC),
        datetime(2026, 4, 2, 13, tzinfo=UTC),
    )
    assert downtime.downtime_out(period)["version"] == 1
    downtime.edit_downtime(
        session, Actor("anna"), period.id, version=1, planned=True, cause="planned service"
    )
    session.flush()
    with pytest.raises(Conflict) as err:  # Ben's edit was prepared on version 1
        downtime.edit_downtime(session, Actor("ben"), period.id, version=1, excluded=True)
    assert "downtime period" in err.value.message and "version 1" in err.value.message
    assert (period.planned, period.excluded, period.version) == (True, False, 2)
    downtime.edit_downtime(session, Actor("ben"), period.id, version=2, excluded=True)
    session.flush()
    assert (period.excluded, period.version) == (True, 3)


def test_a_stale_handover_review_does_not_put_back_the_old_project_manager(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.sales import team
    from servitize.sales.process import policy
    from servitize.sales.schemas import HandoverIn

    owner, opp, _act = _activity(session)
    opp.phase = 3
    session.flush()
    first_item = next(iter(policy().handover_checklist))
    # Anna and Ben open the review before there is one (version 0); Anna names Paula.
    row = team.handover(
        session,
        owner,
        opp.id,
        HandoverIn(checklist={first_item: True}, project_manager="Paula", version=0),
    )
    session.flush()
    assert (row.project_manager, row.version) == ("Paula", 1)
    with pytest.raises(Conflict) as err:  # Ben's form showed no review, and "Peter"
        team.handover(
            session, owner, opp.id, HandoverIn(checklist={}, project_manager="Peter", version=0)
        )
    assert "the handover of opportunity" in err.value.message
    assert (row.project_manager, row.version) == ("Paula", 1)
    team.handover(
        session, owner, opp.id, HandoverIn(checklist={}, project_manager="Peter", version=1)
    )
    session.flush()
    assert (row.project_manager, row.version) == ("Peter", 2)


def test_downtime_edit_on_the_command_line_names_its_version(
    tmp_path, own_database_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from servitize.cli import app
    from servitize.core.db import make_engine, session_factory, session_scope

    engine = make_engine(own_database_url)
    with session_scope(session_factory(engine)) as s:
        account = b.account(s)
        s.flush()
        serial = f"DT-CLI-{account.id}"
        b.asset(s, account, serial=serial)
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "downtime",
            "add",
            serial,
            "--start",
            "2026-04-02T08:00",
            "--end",
            "2026-04-02T13:00",
            "--json",
        ],
    )
    assert added.exit_code == 0, added.output
    record = json.loads(added.stdout)
    assert record["version"] == 1
    first = runner.invoke(
        app, ["downtime", "edit", str(record["id"]), "--planned", "--version", "1", "--json"]
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["version"] == 2
    stale = runner.invoke(
        app, ["downtime", "edit", str(record["id"]), "--excluded", "--version", "1"]
    )
    assert stale.exit_code == 2 and "changed by someone else" in " ".join(stale.output.split())
