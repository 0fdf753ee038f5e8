"""Importing machines runs the competitor scan: a competitor whose machine lands at an account
where it was not before raises an alert, without ``servitize competitors scan``.

installed_base does not import partners (it sits below it in the layers): the step is named in
servitize.after_import and loaded by the import command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from servitize.after_import import AFTER_IMPORT
from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.installed_base.importing import after
from servitize.partners.models import Competitor, CompetitorAlert
from tests import builders as b
from tests.conftest import migrated_sqlite

HEADER = "external_id,account,origin,competitor,serial\n"


def _world(tmp_path: Path, monkeypatch: Any) -> Any:
    url = migrated_sqlite(tmp_path / "scan.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        b.account(session, name="X Press", external_id="X-1")
        b.account(session, name="Y Mill", external_id="Y-1")
        session.add(
            Competitor(name="Kessler GmbH", type="machine_manufacturer", aliases=["Kessler"])
        )
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    return engine


def _alerts(engine: Any) -> list[tuple[str, str]]:
    with session_scope(session_factory(engine)) as session:
        rows = session.execute(
            select(Competitor.name, CompetitorAlert.account_id).join(
                Competitor, Competitor.id == CompetitorAlert.competitor_id
            )
        ).all()
        return [(name, str(account_id)) for name, account_id in rows]


def test_importing_a_competitor_machine_raises_the_alert(tmp_path: Path, monkeypatch: Any) -> None:
    engine = _world(tmp_path, monkeypatch)
    run = CliRunner().invoke
    own = tmp_path / "own.csv"
    own.write_text(HEADER + "M-1,X-1,own,,SN-1\n")
    r = run(app, ["import", "assets", str(own), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["after"] == ["competitors: none new at an account"]
    assert _alerts(engine) == []

    theirs = tmp_path / "theirs.csv"
    theirs.write_text(HEADER + "M-2,X-1,competitor,Kessler,SN-2\nM-3,X-1,competitor,Kessler,SN-3\n")
    r = run(app, ["import", "assets", str(theirs)])
    assert r.exit_code == 0, r.output
    # one pair (Kessler at X Press): one alert, however many machines
    assert "competitors: 1 new at an account (Kessler GmbH)" in r.stdout
    assert [name for name, _ in _alerts(engine)] == ["Kessler GmbH"]

    # the same file again changes nothing: no scan, no new alert
    r = run(app, ["import", "assets", str(theirs), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["after"] == []
    # Kessler appears at a second account: one more alert
    more = tmp_path / "more.csv"
    more.write_text(HEADER + "M-4,Y-1,competitor,Kessler GmbH,SN-4\n")
    r = run(app, ["import", "assets", str(more), "--json"])
    assert json.loads(r.stdout)["after"] == [
        "competitors: 1 new at an account (Kessler GmbH); see /competitors/alerts"
    ]
    assert len(_alerts(engine)) == 2
    engine.dispose()


def test_importing_free_text_competitor_records_runs_the_scan_too(
    tmp_path: Path, monkeypatch: Any
) -> None:
    engine = _world(tmp_path, monkeypatch)
    records = tmp_path / "competitors.csv"
    records.write_text("external_id,account,competitor\nCR-1,Y-1,Kessler GmbH\n")
    r = CliRunner().invoke(app, ["import", "all", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["after"] == [
        "competitors: 1 new at an account (Kessler GmbH); see /competitors/alerts"
    ]
    assert [name for name, _ in _alerts(engine)] == ["Kessler GmbH"]
    engine.dispose()


def test_the_registry_names_steps_that_exist_and_kinds_that_are_imported() -> None:
    from servitize.installed_base.columns import IMPORT_ORDER

    for name, kinds in AFTER_IMPORT:
        assert set(kinds) <= set(IMPORT_ORDER), name
    names = [n for n, _step in after.steps_for(["assets"])]
    assert names == ["servitize.partners.competition:after_import"]
    assert after.steps_for(["users", "visits"]) == []
