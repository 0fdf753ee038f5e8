"""``servitize leads route`` and ``servitize leads escalate`` on a committed SQLite file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from servitize.field.models import LeadRoute
from tests.conftest import migrated_sqlite
from tests.field.seed import seed


def test_route_then_escalate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = migrated_sqlite(tmp_path / "records.db")
    engine = make_engine(url)
    with Session(engine) as session:
        seed(session, date.today())
        session.commit()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    routed = runner.invoke(app, ["leads", "route", "--json"])
    assert routed.exit_code == 0, routed.output
    assert json.loads(routed.stdout) == {
        "routed": 1,
        "technician": 1,
        "account_owner": 0,
        "rehomed": 0,
        "closed": 0,
    }
    later = (date.today() + timedelta(days=10)).isoformat()  # 10 days > 2 working days
    escalated = runner.invoke(app, ["leads", "escalate", "--as-of", later, "--json"])
    assert json.loads(escalated.stdout) == {"escalated": 1}
    with Session(engine) as session:
        route = session.scalar(select(LeadRoute))
        assert route.escalated_to_id is not None
    engine.dispose()
