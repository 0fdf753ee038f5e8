"""``servitize import telemetry`` and ``servitize telemetry stats`` through the CLI."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests import builders


def test_import_counts_rejects_and_exit_codes(tmp_path, own_database_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(own_database_url)
    with session_scope(session_factory(engine)) as s:
        acc = builders.account(s)
        serial = f"IMP-{acc.id}"
        builders.asset(s, acc, serial=serial)
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "readings.csv"
    path.write_text(
        "serial,ts,state,reason,metric,value,unit\n"
        f"{serial},2026-10-01T00:00:00Z,running,,,,\n"
        f"{serial},2026-10-01T00:00:00Z,,,energy_kwh,3.5,kWh\n"
        f"{serial},2026-10-01T01:00:00Z,,,energy_kwh,lots,kWh\n"
        "NOPE,2026-10-01T00:00:00Z,running,,,,\n"
        f"{serial},2026-10-01T02:00:00Z,flying,,,,\n"
    )
    runner = CliRunner()
    result = runner.invoke(app, ["import", "telemetry", str(path), "--json"])
    assert result.exit_code == 3, result.output
    out = json.loads(result.stdout)
    assert (out["read"], out["landed"], out["rejected"]) == (5, 2, 3)
    with open(out["rejects_file"], newline="") as f:
        rejects = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("4", "non_numeric_value"),
        ("5", "unknown_serial"),
        ("6", "unknown_state"),
    ]
    again = runner.invoke(app, ["import", "telemetry", str(path), "--json"])
    assert again.exit_code == 3
    stats = json.loads(runner.invoke(app, ["telemetry", "stats", "--json"]).stdout)
    assert stats["per_serial"][serial] == {"status": 1, "measure": 1}  # re-import: no duplicate
    missing = runner.invoke(app, ["import", "telemetry", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    good = tmp_path / "good.csv"
    good.write_text(f"serial,ts,metric,value\n{serial},2026-10-02T00:00:00Z,t,1\n")
    assert runner.invoke(app, ["import", "telemetry", str(good)]).exit_code == 0
