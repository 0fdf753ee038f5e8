"""``servitize billing`` against a migrated SQLite file: run, re-run, lines as CSV and Parquet."""

from __future__ import annotations

import csv
import json
from datetime import date

import pyarrow.parquet as pq
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.offers.models import Contract
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_billing_run_rerun_and_files(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "billing.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        account = b.account(session, name="=cmd|' /C calc'!A0")
        session.add(
            Contract(
                number="C-CLI1",
                account_id=account.id,
                kind="subscription",
                name="=HYPERLINK(evil)",
                currency="EUR",
                fee_cents=31_000,
                period="month",
                start_on=date(2026, 3, 11),
                minimum_term_end=date(2027, 3, 11),
            )
        )
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke

    r = run(app, ["billing", "run", "--period", "2026-03", "--json"])
    assert r.exit_code == 0, r.output
    # 310.00 for 21 of 31 days (11–31 March) = 210.00
    assert json.loads(r.stdout) == {
        "period": "2026-03",
        "contracts": 1,
        "written": 1,
        "already": 0,
        "total": {"EUR": "210.00"},
    }
    r = run(app, ["billing", "run", "--period", "2026-03", "--json"])
    assert json.loads(r.stdout)["written"] == 0

    out = tmp_path / "march.csv"
    assert run(app, ["billing", "lines", "--period", "2026-03", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["kind"], r["amount"]) for r in rows] == [("fee", "210.00")]
    assert rows[0]["description"].startswith("'=HYPERLINK")  # a formula is never live in a sheet
    parquet = tmp_path / "march.parquet"
    assert (
        run(app, ["billing", "lines", "--period", "2026-03", "--out", str(parquet)]).exit_code == 0
    )
    assert pq.read_table(parquet).column("amount").to_pylist() == ["210.00"]

    assert run(app, ["billing", "close", "--period", "2026-03"]).exit_code == 0
    r = run(app, ["billing", "run", "--period", "2026-03", "--json"])
    assert r.exit_code == 2
    assert "closed" in json.loads(r.stdout)["error"]
    r = run(app, ["billing", "run", "--period", "2026-13"])
    assert r.exit_code == 2 and "YYYY-MM" in r.output
