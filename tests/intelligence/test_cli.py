"""``servitize leads generate|list``, ``segments run``, ``features list`` on a file database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core import migrate
from servitize.core.db import make_engine, session_factory
from tests.intelligence.fleet import build


@pytest.mark.slow  # a full lead generation through the command line
def test_generate_and_list_leads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build(session)
        session.commit()
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(app, ["leads", "generate", "--as-of", "2026-11-23", "--json"])
    assert made.exit_code == 0, made.output
    out = json.loads(made.stdout)
    assert out["created"] == 4 and out["by_source"] == {"rule": 4}
    assert out["by_offering"] == {
        "condition_monitoring": 1,
        "maintenance_contract": 2,
        "retrofit": 1,
    }
    listed = json.loads(runner.invoke(app, ["leads", "list", "--json"]).stdout)
    assert listed["total"] == 4
    assert all(i["story"] and i["evidence"] and i["source"] == "rule" for i in listed["items"])
    segs = runner.invoke(app, ["segments", "run", "--as-of", "2026-11-23", "--json"])
    assert json.loads(segs.stdout)["accounts"] == 2
    feats = json.loads(runner.invoke(app, ["features", "list", "--json"]).stdout)
    assert any(f["key"] == "account.days_since_purchase" for f in feats)


def test_segments_attitude_records_one_audited_attitude_per_account(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from servitize.intelligence.models import ReadinessAttitude
    from servitize.trust.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        acme = build(session)["acme"].external_id
        session.commit()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(app, ["segments", "attitude", acme, "neutral"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["segments", "attitude", acme, "positive", "--note", "asked"])
    assert again.exit_code == 0 and f"{acme}: positive" in again.output
    unknown = runner.invoke(app, ["segments", "attitude", "NO-SUCH", "positive"])
    assert unknown.exit_code == 2 and "no account 'NO-SUCH'" in unknown.output

    with session_factory(engine)() as session:
        rows = session.scalars(select(ReadinessAttitude)).all()
        assert [(r.attitude, r.note) for r in rows] == [("positive", "asked")]
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "readiness_attitude")
        ).all()
        assert [(a.actor, a.after["attitude"]) for a in audit] == [
            ("cli", "neutral"),
            ("cli", "positive"),
        ]
    engine.dispose()
