"""`servitize accounts show`: the account 360 on the command line, in the scope of ``--as``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from tests import builders as b


@pytest.fixture
def world(own_database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Two accounts of two owners; the first with three machines and one contact."""
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_COMPANY_CURRENCY", "EUR")
    engine = make_engine(own_database_url)
    try:
        with Session(engine) as session:
            olga = b.user(session, username="olga", role="account_owner")
            piet = b.user(session, username="piet", role="account_owner")
            mine = b.account(session, name="Acme Steel Works", owner_id=olga.id)
            theirs = b.account(session, name="Borg Mining", owner_id=piet.id)
            for _ in range(3):
                b.asset(session, mine)
            b.contact(session, mine, buying_role="decision_maker")
            session.commit()
            return {"mine": mine.id, "theirs": theirs.id}
    finally:
        engine.dispose()


def test_show_prints_the_360_as_json(world: dict[str, int]) -> None:
    result = CliRunner().invoke(app, ["accounts", "show", str(world["mine"]), "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["account"]["name"] == "Acme Steel Works"
    assert view["account"]["owner"]["username"] == "olga"
    assert view["installed_base"]["assets"] == 3
    assert len(view["contacts_by_role"]["decision_maker"]) == 1
    assert view["service_history"]["currency"] == "EUR"


def test_show_answers_not_found_outside_the_users_scope(world: dict[str, int]) -> None:
    runner = CliRunner()
    mine = runner.invoke(app, ["accounts", "show", str(world["mine"]), "--as", "olga"])
    assert mine.exit_code == 0, mine.output
    assert "Acme Steel Works" in mine.output
    theirs = runner.invoke(app, ["accounts", "show", str(world["theirs"]), "--as", "olga"])
    assert theirs.exit_code == 1
    assert f"account {world['theirs']} not found" in " ".join(theirs.output.split())
    nobody = runner.invoke(app, ["accounts", "show", str(world["mine"]), "--as", "nobody"])
    assert nobody.exit_code == 1
    assert "no user 'nobody'" in nobody.output
