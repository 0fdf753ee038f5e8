"""``servitize opportunities forecast`` and ``servitize audit list`` print words a person reads
by default (issue 16: no JSON, no None, no datetime repr) and JSON with --json."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests import builders as b
from tests.conftest import migrated_sqlite


def _clean(text: str) -> None:
    assert "None" not in text and "datetime." not in text and "Decimal(" not in text
    assert not any(line.startswith("{") for line in text.splitlines())


def test_forecast_and_audit_in_words_and_as_json(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "words.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        owner = b.user(session, username="wanna", role="account_owner")
        account_id = b.account(session, owner_id=owner.id, name="Nordic Paper").id
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    run = CliRunner().invoke
    made = run(
        app,
        [
            "opportunities", "create", "--account", str(account_id), "--title", "Rebuild",
            "--value", "12345.5", "--as", "wanna", "--json",
        ],
    )  # fmt: skip
    assert made.exit_code == 0, made.output

    words = run(app, ["opportunities", "forecast", "--as", "wanna"])
    assert words.exit_code == 0, words.output
    _clean(words.stdout)
    lines = words.stdout.splitlines()
    assert lines[0].startswith("1 open opportunities: 12,345.50 EUR, weighted ")
    assert any(x.startswith("  phase 1 ") and ": 1, 12,345.50 EUR" in x for x in lines)
    as_json = json.loads(run(app, ["opportunities", "forecast", "--as", "wanna", "--json"]).stdout)
    assert as_json["total"]["count"] == 1 and as_json["total"]["value"] == 12345.5

    trail = run(app, ["audit", "list", "--entity", "opportunity"])
    assert trail.exit_code == 0, trail.output
    _clean(trail.stdout)
    out = trail.stdout.splitlines()
    assert out[0] == "1 audit entry, newest first"
    assert "  wanna  create  " in out[1]
    entries = [json.loads(x) for x in run(app, ["audit", "list", "--json"]).stdout.splitlines()]
    assert "opportunity" in {e["entity"] for e in entries}


def test_a_bad_value_is_one_line_naming_the_field(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "bad.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        account_id = b.account(session).id
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    run = CliRunner().invoke
    args = ["opportunities", "create", "--account", str(account_id), "--title", "X"]
    bad = run(app, [*args, "--value", "abc"])
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: value: Input should be a valid decimal"
    assert "Traceback" not in bad.output and "pydantic" not in bad.output
    empty = run(app, ["opportunities", "create", "--account", str(account_id), "--title", ""])
    assert empty.exit_code == 2 and empty.output.startswith("error: title: ")
    assert len(empty.output.strip().splitlines()) == 1
