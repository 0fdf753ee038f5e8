"""``servitize partners`` and ``servitize competitors``: the API's numbers, plain words and
``--json``, errors one line naming the field."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_the_commands(tmp_path: Any, monkeypatch: Any) -> None:
    url = migrated_sqlite(tmp_path / "partners.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        b.user(session, role="sales_manager", username="head")
        b.user(session, role="partner", username="trainer")
        x = b.account(session, name="X Press", external_id="X-1")
        for _ in range(3):
            b.asset(session, x)
        b.asset(session, x, origin="competitor", competitor="Kessler GmbH")
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke

    r = run(
        app,
        [
            "partners",
            "add",
            "Trainers Ltd",
            "--kind",
            "subcontractor",
            "--role",
            "operator training",
            "--account",
            "X-1",
            "--activity",
            "kickoff",
            "--as",
            "head",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    added = json.loads(r.stdout)
    assert added["accounts"] == [{"id": added["accounts"][0]["id"], "name": "X Press"}]
    assert added["activity_codes"] == ["kickoff"]
    r = run(app, ["partners", "link-user", "Trainers Ltd", "trainer", "--as", "head"])
    assert r.exit_code == 0, r.output
    r = run(app, ["partners", "show", "Trainers Ltd", "--json"])
    assert json.loads(r.stdout)["users"] == ["trainer"]
    r = run(app, ["partners", "show", "Trainers Ltd"])
    assert "works on: X Press" in r.stdout and "users: trainer" in r.stdout
    r = run(app, ["partners", "list"])
    assert "Trainers Ltd" in r.stdout
    r = run(app, ["partners", "add", "Bad", "--kind", "reseller", "--role", "x", "--as", "head"])
    assert r.exit_code == 2 and "kind" in r.output
    r = run(
        app,
        [
            "partners",
            "add",
            "Bad",
            "--kind",
            "integrator",
            "--role",
            "x",
            "--account",
            "NOPE",
            "--as",
            "head",
        ],
    )
    assert r.exit_code == 2 and "account" in r.output

    r = run(
        app,
        [
            "competitors",
            "add",
            "Kessler",
            "--type",
            "machine_manufacturer",
            "--alias",
            "Kessler Maschinenbau",
            "--as",
            "head",
        ],
    )
    assert r.exit_code == 0 and "1 machines at 1 accounts" in r.stdout, r.output
    r = run(app, ["competitors", "list", "--json"])
    data = json.loads(r.stdout)
    # X: 3 own + 1 Kessler = 4 machines; Kessler holds 1 of 4 = 25 %
    assert data["machines"] == 4
    assert [(c["name"], c["machines"], c["share"]) for c in data["competitors"]] == [
        ("Kessler", 1, 0.25)
    ]
    r = run(app, ["competitors", "list"])
    assert "25.0 %" in r.stdout
    r = run(app, ["competitors", "list", "--csv"])
    assert r.stdout.splitlines()[1] == "Kessler,machine_manufacturer,1,4,25.0,1,0,0"
    r = run(
        app,
        [
            "competitors",
            "action",
            "Kessler",
            "--kind",
            "offer",
            "--source",
            "fair",
            "--on",
            "2026-11-02",
            "--as",
            "head",
            "--json",
        ],
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["alert"] is False
    r = run(
        app,
        [
            "competitors",
            "action",
            "Kessler",
            "--kind",
            "offer",
            "--source",
            "fair",
            "--on",
            "someday",
            "--as",
            "head",
        ],
    )
    assert r.exit_code == 2 and "on:" in r.output
    r = run(app, ["competitors", "show", "Kessler"])
    assert "X Press: 1 of 4 machines (25.0 %)" in r.stdout and "2026-11-02 offer" in r.stdout
    r = run(app, ["competitors", "scan", "--json"])
    assert json.loads(r.stdout) == {"raised": 0}
    r = run(app, ["competitors", "show", "Nobody"])
    assert r.exit_code == 1 and "not found" in r.output
