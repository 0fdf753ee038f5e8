"""``servitize import meter-readings FILE`` against a migrated SQLite file: counts, the reject
file, exit 3 with rejects, then ``servitize billing run`` bills the readings."""

from __future__ import annotations

import csv
import json
from datetime import date

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.offers.models import Contract, ContractAsset
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_import_meter_readings_then_bill_them(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "readings.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        account = b.account(session)
        pump = b.asset(session, account, serial="PU-CLI-1")
        contract = Contract(
            number="C-RCLI1",
            account_id=account.id,
            kind="usage",
            name="Pumping hours",
            currency="EUR",
            fee_cents=0,
            period="month",
            terms={"metric": "operating hour", "tiers": [{"up_to": None, "unit_cents": 250}]},
            start_on=date(2026, 1, 1),
            minimum_term_end=date(2028, 1, 1),
        )
        session.add(contract)
        session.flush()
        session.add(ContractAsset(contract_id=contract.id, asset_id=pump.id))
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "readings.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["contract", "serial", "read_at", "reading", "unit"])
        w.writerow(["C-RCLI1", "PU-CLI-1", "2026-09-30", "4000", "h"])
        w.writerow(["C-RCLI1", "PU-CLI-1", "2026-10-31", "4212", "h"])
        w.writerow(["C-RCLI1", "PU-CLI-1", "2026-10-20", "3999", "h"])  # below 4000 before it
    run = CliRunner().invoke

    r = run(app, ["import", "meter-readings", str(path), "--json"])
    assert r.exit_code == 3, r.output  # some rows rejected
    result = json.loads(r.stdout)
    # 3 read = 2 landed + 1 rejected
    assert (result["read"], result["landed"], result["rejected"]) == (3, 2, 1)
    with path.with_name("readings.csv.rejects.csv").open(encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [(x["line"], x["serial"]) for x in rejects] == [("4", "PU-CLI-1")]
    assert "never decreases" in rejects[0]["reason"]

    r = run(app, ["billing", "run", "--period", "2026-10", "--json"])
    assert r.exit_code == 0, r.output
    # 4212 − 4000 = 212 h × 2.50 = 530.00, billed under the contract without an agreement
    assert json.loads(r.stdout)["total"] == {"EUR": "530.00"}
