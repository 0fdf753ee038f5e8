"""``servitize portal invite`` prints the link; ``servitize portal users`` lists who sees what."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests import builders as b
from tests.conftest import migrated_sqlite
from tests.portal import helpers


def test_invite_prints_the_link_and_users_lists_them(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "portal.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        owner = b.user(session, username="olga", role="account_owner")
        account = b.account(session, external_id="ACC-77", name="Acme Press", owner_id=owner.id)
        b.user(session, username="stranger", role="account_owner")
        helpers.customer_of(session, account, username="eva@acme.example")
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke

    out = run(app, ["portal", "invite", "ACC-77", "kim@acme.example", "--as", "olga"])
    assert out.exit_code == 0, out.output
    assert "send it to kim@acme.example" in out.output and "/portal/join/" in out.output
    data = run(app, ["portal", "invite", "ACC-77", "ida@acme.example", "--as", "olga", "--json"])
    assert json.loads(data.output)["link"].startswith("http://127.0.0.1:8000/portal/join/")
    # someone who does not own the account: the account is not found for them
    refused = run(app, ["portal", "invite", "ACC-77", "x@acme.example", "--as", "stranger"])
    assert refused.exit_code == 1 and "not found" in refused.output
    bad = run(app, ["portal", "invite", "ACC-77", "not-an-address", "--as", "olga"])
    assert bad.exit_code == 2 and "email:" in bad.output

    listed = run(app, ["portal", "users", "--json", "--as", "olga"])
    assert json.loads(listed.output) == [
        {
            "user": "eva@acme.example",
            "name": "Eva@Acme.Example",
            "active": True,
            "account": "ACC-77",
            "account_name": "Acme Press",
        }
    ]
    plain = run(app, ["portal", "users", "--account", "ACC-77", "--as", "olga"])
    assert plain.output.strip() == "eva@acme.example: ACC-77 Acme Press"
