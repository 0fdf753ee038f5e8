"""Users, passwords, tokens and the audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core import migrate
from servitize.core.errors import Conflict, InvalidInput
from servitize.trust import audit
from servitize.trust.models import ApiToken, AuditEntry
from servitize.trust.service import create_user, user_by_password, user_by_token
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_create_user_hashes_password_and_audits(session) -> None:  # type: ignore[no-untyped-def]
    user, token = create_user(
        session, audit.Actor("test"), "maria", "technician", "north", password="s3cret-passphrase"
    )
    assert user.password_hash and "s3cret-passphrase" not in user.password_hash
    assert user_by_password(session, "maria", "s3cret-passphrase").id == user.id
    assert user_by_password(session, "maria", "wrong") is None
    assert user_by_token(session, token).id == user.id
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token not in stored.token_hash  # only the digest is kept
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.entity_id == str(user.id))
    )
    assert entry.action == "create" and entry.after["role"] == "technician"
    assert "password_hash" not in entry.after


def test_bad_users_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    create_user(session, audit.SYSTEM, "dup", "analyst")
    with pytest.raises(Conflict):
        create_user(session, audit.SYSTEM, "dup", "analyst")
    with pytest.raises(InvalidInput, match="unknown role"):
        create_user(session, audit.SYSTEM, "x", "wizard")


def test_audit_api_is_for_admins_only(session, app_client) -> None:  # type: ignore[no-untyped-def]
    _admin, admin_token = create_user(session, audit.SYSTEM, "root-auditor", "admin")
    _, tech_token = create_user(session, audit.SYSTEM, "tec", "technician")
    session.flush()
    assert (
        app_client.get(
            "/api/v1/audit", headers={"Authorization": f"Bearer {tech_token}"}
        ).status_code
        == 403
    )
    rows = app_client.get(
        "/api/v1/audit?entity=user&limit=1000", headers={"Authorization": f"Bearer {admin_token}"}
    ).json()
    created = {r["after"]["username"] for r in rows if r["action"] == "create"}
    assert {"root-auditor", "tec"} <= created


def test_cli_creates_user_and_lists_accounts(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "cli.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    result = runner.invoke(app, ["users", "create", "boss", "--role", "admin", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["role"] == "admin" and created["api_token"].startswith("svt_")
    again = runner.invoke(app, ["users", "create", "boss", "--role", "admin"])
    assert again.exit_code == 2 and "exists already" in again.output
    bad = runner.invoke(app, ["users", "create", "x", "--role", "wizard"])
    assert bad.exit_code == 2 and "unknown role" in bad.output

    listed = runner.invoke(app, ["accounts", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["total"] == 0
    missing = runner.invoke(app, ["accounts", "show", "42", "--json"])
    assert missing.exit_code == 1 and "not found" in missing.output


def test_migrations_match_the_models(database_url: str) -> None:
    migrate.check(database_url)  # raises when a model changed without a migration


def test_cli_account_360_matches_api_shape(session, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "show.db")
    from servitize.core.db import make_engine, session_factory, session_scope

    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        acc = b.account(s, name="Show Me")
        b.asset(s, acc)
        b.asset(s, acc, origin="competitor", competitor="Rival")
        account_id = acc.id
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["accounts", "show", str(account_id), "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["account"]["name"] == "Show Me"
    assert {c["label"]: c["count"] for c in view["installed_base"]["by_origin"]} == {
        "own": 1,
        "competitor": 1,
    }
