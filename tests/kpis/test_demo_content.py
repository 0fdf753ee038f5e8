"""`servitize demo` records effort and spend, so every measure has content to show."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from servitize.cli import app


@pytest.mark.slow  # builds the whole sample manufacturer
def test_every_measure_of_the_demo_has_content(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke
    built = run(app, ["demo", "--no-serve", "--accounts", "60", "--seed", "5"])
    assert built.exit_code == 0, built.output
    assert "customers won this year" in built.output

    def doc(*args: str) -> dict:  # type: ignore[type-arg]
        r = run(app, ["kpis", *args, "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)  # type: ignore[no-any-return]

    cac = doc("cac", "--by", "kind", "--grain", "year")
    kinds = {x["key"]: x for x in cac["lines"]}
    assert kinds["customer"]["customers"] >= 5
    assert kinds["customer"]["customer_cac_direct"]["value"] is not None
    assert kinds["customer"]["customer_cac_loaded"]["value"] is not None
    assert kinds["customer"]["payback"]["value"] is not None
    mrr = doc("mrr")
    assert mrr["mrr"]["value"] is not None and mrr["months"]
    card = {m["key"]: m["figure"] for m in doc("scorecard")["measures"]}
    assert card["tech_leads"]["value"] and card["ftfr"]["value"] is not None
    assert card["conv_tech"]["value"] is not None
    clv = doc("clv")
    assert clv["accounts_valued"] > 0
    assert any(r["clv_to_cac"]["value"] is not None for r in clv["clv_to_cac_by_segment"])
