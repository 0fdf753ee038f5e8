"""``servitize users list | edit | deactivate | reactivate | reset-password | password |
new-token``: the same rules as the pages and the API, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from servitize.trust.models import AuditEntry, User
from servitize.trust.service import user_by_password, user_by_token
from tests.conftest import migrated_sqlite


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, str]:
    url = migrated_sqlite(tmp_path / "users.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    for name, role in (("boss", "admin"), ("tina", "technician"), ("otto", "account_owner")):
        made = runner.invoke(
            app, ["users", "create", name, "--role", role, "--password", "violet meadow lantern"]
        )
        assert made.exit_code == 0, made.output
    return runner, url


def _read(url: str) -> Session:
    return Session(make_engine(url))


def test_list_edit_deactivate_and_reset(cli: tuple[CliRunner, str]) -> None:
    runner, url = cli
    listed = runner.invoke(app, ["users", "list", "--role", "technician", "--json"])
    assert listed.exit_code == 0, listed.output
    out = json.loads(listed.stdout)
    assert out["total"] == 1 and out["items"][0]["username"] == "tina"
    text = runner.invoke(app, ["users", "list"])
    assert "3 of 3 users (page 1)" in text.stdout and "None" not in text.stdout

    edited = runner.invoke(
        app, ["users", "edit", "tina", "--territory", "south", "--role", "service_manager"]
    )
    assert edited.exit_code == 0 and "tina: service_manager, territory south" in edited.stdout
    bad = runner.invoke(app, ["users", "edit", "tina", "--role", "wizard"])
    assert bad.exit_code == 2 and "role: unknown role 'wizard'" in bad.output
    missing = runner.invoke(app, ["users", "deactivate", "nobody"])
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output

    token = runner.invoke(app, ["users", "new-token", "otto", "--label", "erp", "--json"])
    assert token.exit_code == 0, token.output
    clear = json.loads(token.stdout)["token"]
    off = runner.invoke(app, ["users", "deactivate", "otto"])
    assert off.exit_code == 0 and "deactivated" in off.stdout
    with _read(url) as s:
        assert user_by_token(s, clear) is None  # the token stops with its user
    inactive = runner.invoke(app, ["users", "list", "--state", "inactive"]).stdout
    assert "otto" in inactive and "(deactivated)" in inactive and "1 of 1 users" in inactive
    assert runner.invoke(app, ["users", "reactivate", "otto"]).exit_code == 0
    with _read(url) as s:
        assert user_by_token(s, clear) is not None

    reset = runner.invoke(app, ["users", "reset-password", "tina"])
    assert reset.exit_code == 0, reset.output
    one_time = reset.stdout.split("one-time password for tina: ")[1].split()[0]
    with _read(url) as s:
        tina = s.scalar(select(User).where(User.username == "tina"))
        assert tina.must_change_password and user_by_password(s, "tina", one_time) is not None
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "user")))
        assert {"create", "update", "deactivate", "reactivate", "reset_password"} <= actions


def test_passwords_set_from_the_cli_meet_the_policy(cli: tuple[CliRunner, str]) -> None:
    runner, url = cli
    short = runner.invoke(app, ["users", "create", "sam", "--role", "analyst", "--password", "1"])
    assert short.exit_code == 2 and "password: needs at least 12 characters, not 1" in short.output
    own = runner.invoke(app, ["users", "password", "otto", "--password", "otto"])
    assert own.exit_code == 2 and "at least 12" in own.output
    ok = runner.invoke(app, ["users", "password", "otto", "--password", "amber river 2026"])
    assert ok.exit_code == 0, ok.output
    with _read(url) as s:
        assert user_by_password(s, "otto", "amber river 2026") is not None
