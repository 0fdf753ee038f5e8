"""``servitize kpis`` prints the API's document: the hand-computed CAC of tests/kpis/world.py,
and every command's JSON carries method, period and currency."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from tests.conftest import migrated_sqlite
from tests.kpis.world import build


def test_the_commands_show_the_api_numbers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "kpis.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        w = build(session)
        manager = w.sam.username
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke
    window = ["--start", "2026-01", "--end", "2026-06"]
    r = run(app, ["kpis", "cac", *window, "--by", "channel", "--as", manager, "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    lines = {x["key"]: x for x in doc["lines"]}
    # the same 1,220.00 / 1,420.00 / 650.00 / 280.00 as the API and the page
    assert lines["sales_rep"]["customer_cac_direct"]["value"] == "1220.00"
    assert lines["sales_rep"]["customer_cac_loaded"]["value"] == "1420.00"
    assert lines["dealer"]["customer_cac_direct"]["value"] == "650.00"
    assert lines["technician"]["stream_cac_direct"]["value"] == "280.00"
    assert lines["sales_rep"]["customer_cac_direct"]["currency"] == "EUR"
    r = run(app, ["kpis", "cac", *window, "--rule", "first", "--json"])
    lines = {x["key"]: x for x in json.loads(r.stdout)["lines"]}
    assert lines["sales_rep"]["customer_cac_loaded"]["value"] == "1570.00"
    for command in (["mrr", *window], ["scorecard", *window], ["clv", "--end", "2026-06"]):
        r = run(app, ["kpis", *command, "--json"])
        assert r.exit_code == 0, (command, r.output)
        assert json.loads(r.stdout)
    r = run(app, ["kpis", "cac", "--start", "2026-13"])
    assert r.exit_code == 2 and "start" in r.output
    r = run(app, ["kpis", "cac", "--rule", "middle"])
    assert r.exit_code == 2 and "--rule" in r.output
    r = run(app, ["kpis", "cac", "--as", w.tom.username, "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["status"] == 403


def test_import_spend_from_a_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "kpis.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "spend.csv"
    path.write_text(
        "external_id,kind,name,channel,segment,start_on,end_on,amount,currency,account\n"
        "C-9,campaign,Autumn mailing,web,,2026-09-01,2026-09-30,1200.50,EUR,\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["kpis", "import-spend", str(path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"kind": "spend", "rows": 1}
