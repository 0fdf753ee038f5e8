"""The what-if simulation, checked by hand over two months, against the closed form of
first-order smoothing, and on the API, page and command."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.errors import InvalidInput
from servitize.organisation.simulation import Parameters, change_of, simulate, what_if
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import migrated_sqlite


def test_two_baseline_months_by_hand() -> None:
    one, two = simulate(Parameters(months=2))
    # leads 20 + 15 + 10 technicians × 1 = 45; capacity 4 × 20 = 80 ≥ 40 open, so decided
    # 40 / 6 = 6.667 and wins 6.667 × 0.3 = 2
    assert one.leads == 45 and one.wins == pytest.approx(2.0)
    # product 2 × 0.6 × 50,000.00 = 60,000.00; service 50 × 2,000.00 = 100,000.00;
    # subscriptions 5 × 3,000.00 = 15,000.00
    assert one.revenue_cents == pytest.approx(
        {"product": 6_000_000, "service": 10_000_000, "subscription": 1_500_000}
    )
    # cost 4 × 8,000.00 + 10 leads × 2 h × 60.00 = 33,200.00; CAC 33,200.00 / 2 = 16,600.00
    assert one.sales_cost_cents == 3_320_000 and one.cac_cents == pytest.approx(1_660_000)
    # CLV: fee (0.3 × 2,000 + 0.1 × 3,000) / 0.4 = 2,250.00 × 0.35 / 0.015 = 52,500.00
    assert one.clv_cents == pytest.approx(5_250_000)
    assert one.load == 0.5  # 40 open of 80
    # month 2 stocks: opportunities 40 + 45 × 0.4 − 6.667 = 51.333; service 50 + 2 × 0.3 −
    # 50 × 0.015 = 49.85; subscriptions 5 + 2 × 0.1 − 5 × 0.015 = 5.125
    assert two.opportunities == pytest.approx(51 + 1 / 3)
    assert two.service_contracts == pytest.approx(49.85)
    assert two.subscriptions == pytest.approx(5.125)
    # wins 51.333 / 6 × 0.3 = 2.5667; product 2.5667 × 0.6 × 50,000.00 = 77,000.00
    assert two.wins == pytest.approx(2.5666667)
    assert two.revenue_cents["product"] == pytest.approx(7_700_000)
    assert two.revenue_cents["service"] == pytest.approx(9_970_000)


def test_moving_to_type_2_over_the_first_month_by_hand() -> None:
    one = simulate(Parameters(months=1), change_of("type_2"))[0]
    # structure after a month 1/3 of the way: product share 0.6 + (0.5 − 0.6)/3 = 0.5667;
    # culture 1/18 of the way: win rate 0.3 + 0.05/18 = 0.30278; wins 6.667 × 0.30278 = 2.0185
    assert one.structure == pytest.approx(1 / 3) and one.culture == pytest.approx(1 / 18)
    assert one.wins == pytest.approx(40 / 6 * (0.3 + 0.05 / 18))
    assert one.revenue_cents["product"] == pytest.approx(one.wins * (0.6 - 0.1 / 3) * 5_000_000)


def test_the_delays_follow_the_closed_form_of_first_order_smoothing() -> None:
    # level_t = 1 − (1 − 1/delay)^t
    run = simulate(Parameters(months=36), change_of("type_2"))
    for m in run:
        assert m.structure == pytest.approx(1 - (1 - 1 / 3) ** m.month)
        assert m.culture == pytest.approx(1 - (1 - 1 / 18) ** m.month)
    # culture is slow: after a year it is half-way (1 − (17/18)^12 = 1 − e^(12 ln(17/18)) ≈ 0.4964)
    assert run[11].culture == pytest.approx(0.4964, abs=1e-4)


def test_the_scenarios_move_what_they_say() -> None:
    base = what_if("baseline").totals(simulate(Parameters()))
    t2 = what_if("type_2")
    assert t2.totals(t2.changed)["revenue_service_cents"] > base["revenue_service_cents"]
    tech = what_if("technician_programme")
    assert tech.changed[-1].leads > tech.baseline[-1].leads
    # a lower threshold: the qualified share 0.4 → 0.6, the extra leads win at half the rate:
    # win rate 0.3 × (0.4 + 0.5 × 0.2) / 0.6 = 0.25
    low = simulate(Parameters(months=1), change_of("lead_threshold", 0.6))[0]
    assert low.wins == pytest.approx(40 / 6 * 0.25)
    more = what_if("subscription_sellers", 2)
    assert more.changed[0].load == pytest.approx(40 / 120)  # 6 sellers × 20
    with pytest.raises(InvalidInput, match="value"):
        change_of("lead_threshold", 0)
    with pytest.raises(InvalidInput, match="parameters: unknown"):
        what_if("baseline", overrides={"nonsense": 1})


def test_api_page_and_command_show_the_same_totals(
    session: Session, app_client, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": f"Bearer {issue_token(session, b.user(session, role='analyst'))}"}
    r = app_client.get("/api/v1/organisation/simulation?scenario=type_2&months=12", headers=auth)
    assert r.status_code == 200, r.text
    totals = r.json()["totals"]
    expected = what_if("type_2", None, 12).totals(what_if("type_2", None, 12).changed)
    assert totals["scenario"] == expected
    page = app_client.get("/organisation/simulation?scenario=type_2&months=12", headers=auth)
    assert page.status_code == 200
    row = re.search(r'<tr data-key="revenue_cents">(.*?)</tr>', page.text, re.S)
    assert row is not None and f"{totals['scenario']['revenue_cents'] / 100:,.2f}" in row.group(1)
    assert page.text.count("<svg") >= 3 and "style=" not in page.text
    assert '<td>culture_delay</td><td class="num">18</td><td>default</td>' in page.text
    assert "product 0.6, service 0.3, subscription 0.1" in page.text
    bad = app_client.get("/api/v1/organisation/simulation?scenario=nonsense", headers=auth)
    assert bad.status_code == 422
    bad = app_client.get(
        "/api/v1/organisation/simulation?scenario=lead_threshold&value=0", headers=auth
    )
    assert bad.status_code == 422 and "value" in bad.text
    _empty_database(tmp_path, monkeypatch)
    for command in ("network", "org"):
        r2 = CliRunner().invoke(
            app, [command, "simulate", "--scenario", "type_2", "--months", "12", "--json"]
        )
        assert r2.exit_code == 0, r2.output
        assert json.loads(r2.stdout)["totals"] == totals


def _empty_database(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The command line on a migrated database of its own (no data: every default)."""
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", migrated_sqlite(tmp_path / "sim.db"))
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))


def test_parameters_are_changed_by_name_within_their_range(
    session: Session, app_client, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": f"Bearer {issue_token(session, b.user(session, role='analyst'))}"}
    url = "/api/v1/organisation/simulation?scenario=baseline&months=1"
    r = app_client.get(url + "&set=win_rate=0.6", headers=auth)
    assert r.status_code == 200, r.text
    # 40 / 6 decided × 0.6 = 4 wins
    assert r.json()["baseline"][0]["wins"] == pytest.approx(4.0)
    for bad, field in (
        ("set=win_rate=2", "win_rate"),
        ("set=qualified_share=0", "qualified_share"),
        ("set=nonsense=1", "nonsense"),
        ("set=churn", "set"),
        ("set=churn=nan", "set"),
    ):
        r = app_client.get(f"{url}&{bad}", headers=auth)
        assert r.status_code == 422 and field in r.text, (bad, r.text)
    # no wins: no CAC (never a division by nothing)
    r = app_client.get(url + "&set=opportunities=0", headers=auth)
    assert r.json()["baseline"][0]["cac_cents"] is None
    _empty_database(tmp_path, monkeypatch)
    r = CliRunner().invoke(
        app,
        [
            "network",
            "simulate",
            "--scenario",
            "baseline",
            "--months",
            "1",
            "--set",
            "win_rate=0.6",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["baseline"][0]["wins"] == pytest.approx(4.0)
