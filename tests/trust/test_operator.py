"""The operator: a command run without ``--as`` acts with an admin's scope as nobody's account,
and the audit trail names it."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import build
from servitize.core.db import make_engine
from servitize.trust import audit
from servitize.trust.models import AuditEntry, Role
from servitize.trust.operator import OPERATOR_NAME, is_operator, operator, stored_id
from servitize.trust.service import acting_user, create_user
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_without_as_a_command_acts_as_the_operator(session) -> None:  # type: ignore[no-untyped-def]
    someone = b.user(session, role="technician")
    me = acting_user(session, None)
    assert is_operator(me) and me.role == Role.admin.value and me.territory is None
    assert not is_operator(acting_user(session, someone.username))
    assert stored_id(me) is None and stored_id(someone) == someone.id
    assert audit.actor_of(me) == audit.Actor("cli", None) == audit.OPERATOR
    assert audit.actor_of(someone) == audit.Actor(someone.username, someone.id)
    assert me not in session  # the operator is never stored


def test_the_operator_is_nobodys_account(session) -> None:  # type: ignore[no-untyped-def]
    user, _token = create_user(session, audit.SYSTEM, OPERATOR_NAME, "analyst", with_token=False)
    assert not is_operator(user)  # a stored user named like the operator is a user
    assert is_operator(operator()) and operator() is not operator()


def test_the_audit_trail_names_the_operator(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "operator.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    cli = build({"trust"})
    made = CliRunner().invoke(cli, ["users", "create", "olga", "--role", "analyst", "--json"])
    assert made.exit_code == 0, made.output
    olga = json.loads(made.stdout)
    tokens = CliRunner().invoke(cli, ["users", "tokens", "olga"])
    (token,) = [json.loads(line) for line in tokens.stdout.splitlines()]
    revoked = CliRunner().invoke(cli, ["users", "revoke-token", str(token["id"])])
    assert revoked.exit_code == 0, revoked.output
    engine = make_engine(url)
    with Session(engine) as session:
        entries = {
            (e.action, e.entity): (e.actor, e.actor_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        }
    engine.dispose()
    assert entries[("create", "user")] == ("cli", None)
    assert entries[("revoke", "api_token")] == ("cli", None)
    assert olga["username"] == "olga"
