"""``servitize opportunities`` against a migrated SQLite file: create, decide, advance, blueprint."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_cli_create_decide_advance_and_draw(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "cli.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        owner = b.user(session, username="anna", role="account_owner")
        account_id = b.account(session, owner_id=owner.id).id
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    run = CliRunner().invoke

    r = run(
        app,
        ["opportunities", "create", "--account", str(account_id), "--title", "Rebuild", "--json"],
    )
    assert r.exit_code == 0, r.output
    opp = json.loads(r.stdout)
    assert (opp["phase"], opp["owner"], opp["account_id"]) == (1, "anna", account_id)
    oid = str(opp["id"])

    r = run(app, ["opportunities", "advance", oid, "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout) == {
        "status": 409,
        "error": (
            "cannot leave phase 1: required activity not done: Map the customer's decision-making "
            "structure; required activity not done: Opportunity review with the standard template"
        ),
    }

    for code in ("decision_structure", "opportunity_review"):
        assert run(app, ["opportunities", "activity", oid, "--code", code]).exit_code == 0
    r = run(app, ["opportunities", "advance", oid, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["phase"] == 2

    r = run(
        app,
        [
            "opportunities",
            "decide",
            oid,
            "--gate",
            "pursue",
            "--decision",
            "no-go",
            "--reason",
            "no budget this year",
            "--yes",
            "--as",
            "anna",
        ],
    )
    assert r.exit_code == 0, r.output
    r = run(app, ["opportunities", "show", oid, "--json"])
    view = json.loads(r.stdout)
    assert (
        view["opportunity"]["status"] == "rejected" and view["decisions"][0]["decided_by"] == "anna"
    )
    assert run(app, ["opportunities", "advance", oid]).exit_code == 2
    assert (
        run(
            app,
            ["opportunities", "decide", oid, "--gate", "x", "--decision", "go", "--reason", "why"],
        ).exit_code
        == 2
    )

    svg = tmp_path / "bp.svg"
    assert run(app, ["opportunities", "blueprint", oid, "--svg", str(svg)]).exit_code == 0
    assert svg.read_text().startswith("<svg") and "rejected" in svg.read_text()
    listed = json.loads(run(app, ["opportunities", "list", "--json"]).stdout)
    assert [o["id"] for o in listed] == [int(oid)]
    assert run(app, ["opportunities", "show", "999"]).exit_code == 1
