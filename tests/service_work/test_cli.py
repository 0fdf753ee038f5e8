"""``servitize work`` on a committed SQLite file: open, schedule a sold line, done, the plan run
(idempotent), a refusal in one line naming the field, and the human and JSON outputs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from servitize.installed_base.models import ServiceEvent
from servitize.service_work.models import PmPlan
from tests.conftest import migrated_sqlite
from tests.service_work.helpers import org, signed_line


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_open_schedule_done_and_plan_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = migrated_sqlite(tmp_path / "records.db")
    engine = make_engine(url)
    today = date.today()
    start = today - timedelta(days=175)
    with Session(engine) as session:
        o = org(session)
        line = signed_line(o)
        session.add(
            PmPlan(
                name="Half-yearly",
                account_id=o.account.id,
                asset_id=o.asset.id,
                interval_months=6,
                start_on=start,
                kind="maintenance",
                checklist=["Grease"],
                active=True,
                created_by="test",
            )
        )
        ids = {
            "account": o.account.id,
            "asset": o.asset.id,
            "tech": o.tech.id,
            "manager": o.manager.username,
            "tom": o.tech.username,
        }
        session.commit()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    run = CliRunner().invoke
    mgr = ["--as", ids["manager"]]

    opened = run(
        app,
        ["work", "open", "--account", str(ids["account"]), "--title", "Check pump", "--json", *mgr],
    )
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["status"] == "new"

    day = _next_weekday(today + timedelta(days=1))
    scheduled = run(
        app,
        ["work", "schedule", "--line", str(line), "--technician", str(ids["tech"]),
         "--day", day.isoformat(), "--start", "10:00", *mgr],
    )  # fmt: skip
    assert scheduled.exit_code == 0, scheduled.output
    assert scheduled.stdout.startswith("scheduled WO-") and "Hydraulic check" in scheduled.stdout
    number = scheduled.stdout.split()[1]
    work_id = int(number.removeprefix("WO-"))

    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    refused = run(
        app,
        ["work", "schedule", str(work_id), "--technician", str(ids["tech"]),
         "--day", saturday.isoformat(), *mgr],
    )  # fmt: skip
    assert refused.exit_code == 2
    said = refused.stderr.strip()  # errors go to standard error, one line naming the field
    assert said.startswith("error: day: ") and len(said.splitlines()) == 1, said

    listed = run(app, ["work", "list", "--status", "open", *mgr])
    assert listed.exit_code == 0 and number in listed.stdout and "None" not in listed.stdout

    done = run(app, ["work", "done", str(work_id), "--note", "hoses replaced", "--as", ids["tom"]])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"done {number}  done  Hydraulic check")

    shown = run(app, ["work", "show", str(work_id), "--json", *mgr])
    assert json.loads(shown.stdout)["status"] == "done"

    first = run(app, ["work", "plan-run", "--json", *mgr])
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)
    due = start + relativedelta(months=6)  # within the 30 days' lead
    assert [(w["asset_id"], w["due_on"]) for w in result["opened"]] == [
        (ids["asset"], due.isoformat())
    ]
    again = run(app, ["work", "plan-run", *mgr])
    assert again.exit_code == 0
    assert again.stdout.startswith(
        "0 work orders opened; 1 machines checked, 1 with open plan work"
    )
    with Session(engine) as session:
        event = session.scalar(
            select(ServiceEvent).where(ServiceEvent.external_id == f"SW-{number}")
        )
        assert event is None  # the sold line names no machine: no machine history to write
    engine.dispose()
