"""The command line as a person uses it, on both databases: results as words on standard
output, refusals naming the field, one option name, either account id, one line for a missing
database, a busy port or Ctrl-C, and a folder imported in dependency order."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.console import lines, refusal, words
from servitize.core.db import make_engine
from servitize.installed_base.columns import IMPORT_ORDER
from servitize.sales.schemas import DecisionIn
from tests import builders as b


@pytest.fixture
def world(own_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """One account, external id A-77, with its owner; the database is the test's own."""
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(own_database_url)
    try:
        with Session(engine) as session:
            olga = b.user(session, username="olga", role="account_owner", full_name="Olga B")
            acme = b.account(session, name="Acme Steel Works", owner_id=olga.id, external_id="A-77")
            b.asset(session, acme)
            session.commit()
            return str(acme.id)
    finally:
        engine.dispose()


def test_words_never_show_python_reprs() -> None:
    result = {"as_of": date(2026, 11, 3), "owner": None, "accounts": 12_345, "ok": True}
    assert lines(result) == ["as of: 2026-11-03", "owner: —", "accounts: 12,345", "ok: yes"]
    assert words([date(2026, 1, 2), None]) == "2026-01-02, —"


def test_accounts_show_takes_the_id_or_the_external_id(world: str) -> None:
    runner = CliRunner()
    by_id = runner.invoke(app, ["accounts", "show", world])
    by_number = runner.invoke(app, ["accounts", "show", "A-77"])
    assert by_id.exit_code == by_number.exit_code == 0, by_id.output + by_number.output
    assert by_id.stdout == by_number.stdout
    assert "Acme Steel Works (A-77)" in by_id.stdout and "owner: Olga B" in by_id.stdout
    assert "None" not in by_id.stdout
    missing = runner.invoke(app, ["accounts", "show", "nope"])
    assert missing.exit_code == 1 and "account 'nope' not found" in missing.stderr


def test_segments_run_prints_words_on_stdout(world: str) -> None:
    result = CliRunner().invoke(app, ["segments", "run", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "as of: 2026-11-23" in result.stdout and "accounts: 1" in result.stdout
    assert "datetime" not in result.stdout and "None" not in result.stdout


def test_consent_grant_takes_either_id_and_names_a_bad_date(world: str) -> None:
    runner = CliRunner()
    args = ["--kind", "status", "--purpose", "contract_verification"]
    by_number = runner.invoke(app, ["consent", "grant", "A-77", *args])
    by_id = runner.invoke(app, ["consent", "grant", world, *args, "--json"])
    assert by_number.exit_code == 0 and "agreement 1 recorded" in by_number.stdout
    assert by_id.exit_code == 0 and json.loads(by_id.stdout)["account_id"] == int(world)
    bad = runner.invoke(app, ["consent", "grant", "A-77", *args, "--valid-from", "soon"])
    assert bad.exit_code == 2 and "--valid-from: not an ISO date or time: 'soon'" in bad.stderr


def test_availability_takes_period_and_the_old_month(world: str) -> None:
    runner = CliRunner()
    new = runner.invoke(app, ["availability", "--period", "2026-04", "--json"])
    old = runner.invoke(app, ["availability", "--month", "2026-04", "--json"])
    assert new.exit_code == old.exit_code == 0, new.output
    assert json.loads(new.stdout)["period"] == json.loads(old.stdout)["period"] == "2026-04"
    assert "--month" not in runner.invoke(app, ["availability", "--help"]).stdout  # hidden
    none = runner.invoke(app, ["availability"])
    assert none.exit_code == 2 and "--period: give the month" in none.stderr


def test_a_refusal_names_the_field_without_pydantic_internals(world: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "opportunities",
            "decide",
            "1",
            "--gate",
            "pursue",
            "--decision",
            "maybe",
            "--reason",
            "x",
        ],
    )
    assert result.exit_code == 2
    assert "decision: Input should be 'go' or 'no_go'" in result.stderr
    assert "reason: String should have at least 3 characters" in result.stderr
    assert "pydantic" not in result.stderr and "validation error" not in result.stderr
    # no-go and no_go are the same decision
    assert DecisionIn(gate="pursue", decision="no-go", reason="too far").decision == "no_go"
    assert DecisionIn(gate="pursue", decision="no_go", reason="too far").decision == "no_go"
    with pytest.raises(ValueError) as exc:
        DecisionIn(gate="pursue", decision="go", reason="")
    assert refusal(exc.value) == "reason: String should have at least 3 characters"


def _servitize(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servitize.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_a_missing_database_is_one_line_with_the_fix(tmp_path: Path) -> None:
    sqlite = _servitize(
        "accounts", "list", env={"SERVITIZE_DATABASE_URL": f"sqlite:///{tmp_path}/no/such/x.db"}
    )
    assert sqlite.returncode == 2 and len(sqlite.stderr.strip().splitlines()) == 1, sqlite.stderr
    assert "the database has no tables yet" in sqlite.stderr  # a new file: never upgraded
    assert "run `servitize db upgrade`" in sqlite.stderr
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/servitize_no_such_db"
    pg = _servitize("accounts", "list", env={"SERVITIZE_DATABASE_URL": url})
    assert pg.returncode == 2 and len(pg.stderr.strip().splitlines()) == 1, pg.stderr
    assert "createdb servitize_no_such_db" in pg.stderr and "Traceback" not in pg.stderr


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = _servitize(
            "serve",
            "--port",
            str(port),
            env={"SERVITIZE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        )
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines() == [
        f"error: cannot serve on 127.0.0.1:{port}: Address already in use — stop the other "
        f"server or pass --port {port + 1}"
    ]
    assert "nanobind" not in run.stderr


def test_import_all_takes_a_folder_in_dependency_order(world: str, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app, ["demo-data", "--accounts", "4", "--seed", "3", "--out", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["import", "all", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["imports"]
    kinds = [r["kind"] for r in runs]
    # every file the generator wrote, in IMPORT_ORDER (users before accounts before sites ...)
    written = {p.stem for p in tmp_path.glob("*.csv")} & set(IMPORT_ORDER)
    assert kinds == [k for k in IMPORT_ORDER if k in written]
    assert kinds.index("users") < kinds.index("accounts") < kinds.index("assets")
    assert all(r["read"] == r["landed"] and r["rejected"] == 0 for r in runs)
    empty = runner.invoke(app, ["import", "all", str(tmp_path / "nothing")])
    assert empty.exit_code == 2 and "is not a folder" in empty.stderr
