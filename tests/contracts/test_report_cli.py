"""``servitize contracts create|report`` and ``servitize downtime add|edit`` through the CLI."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.telemetry import consent
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from tests import builders
from tests.contracts.report_world import OCT_AVAILABILITY, events
from tests.telemetry.helpers import utc


@pytest.mark.slow  # the whole report command line, files written
def test_create_downtime_and_report(tmp_path, own_database_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(own_database_url)
    with session_scope(session_factory(engine)) as s:
        acc = builders.account(s, name="Nordwerk CLI GmbH")
        serial = f"CLI-{acc.id}"
        builders.asset(s, acc, serial=serial)
        consent.record_agreement(
            s,
            audit.Actor("test"),
            acc.id,
            ["status", "usage", "energy"],
            ["contract_verification"],
            utc("2026-01-01T00:00"),
        )
        account = acc.external_id
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    from tests.telemetry.helpers import write_status

    write_status(TelemetryStore(tmp_path / "var" / "telemetry"), events(serial))
    runner = CliRunner()
    created = runner.invoke(
        app,
        [
            "contracts",
            "create",
            account,
            "--target",
            "98",
            "--fee",
            "10000",
            "--penalty-pct",
            "2",
            "--penalty-cap",
            "10",
            "--bonus-pct",
            "1",
            "--bonus-cap",
            "3",
            "--valid-from",
            "2026-09-01",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    contract = json.loads(created.stdout)
    assert contract["serials"] == [serial]
    added = runner.invoke(
        app,
        [
            "downtime",
            "add",
            serial,
            "--start",
            "2026-10-25T00:00",
            "--end",
            "2026-10-25T02:00",
            "--cause",
            "power cut",
            "--json",
        ],
    )
    assert added.exit_code == 0, added.output
    downtime_id = json.loads(added.stdout)["id"]
    edited = runner.invoke(app, ["downtime", "edit", str(downtime_id), "--excluded", "--json"])
    assert edited.exit_code == 0 and json.loads(edited.stdout)["excluded"] is True
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    result = runner.invoke(
        app,
        [
            "contracts",
            "report",
            contract["external_id"],
            "--period",
            "2026-10",
            "--months",
            "2",
            "--pdf",
            str(pdf),
            "--xlsx",
            str(xlsx),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert abs(data["result"]["availability_pct"] - OCT_AVAILABILITY) < 1e-4
    assert (data["result"]["band"], data["result"]["amount"]) == ("penalty", -400.0)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert load_workbook(xlsx).sheetnames == ["Availability", "Downtime"]
    bad = runner.invoke(app, ["contracts", "report", "NO-SUCH", "--period", "2026-10"])
    assert bad.exit_code == 2
    assert (
        runner.invoke(
            app, ["downtime", "add", "NOPE", "--start", "2026-10-01", "--end", "2026-10-02"]
        ).exit_code
        == 2
    )
