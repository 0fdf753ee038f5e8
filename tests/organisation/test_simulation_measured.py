"""The simulation's parameters read from a customer group's measured data, each said measured
(with n and period) or default (and why), on the API, the page and the command; the Bass fit of
the group's digital service fed into the subscriptions.

The group: segment 'Fleet', six accounts, over 2026 (minimum count 5, the default):
- ten analytics leads, four of them became opportunities → qualified_share 4/10 = 0.4 measured
  (n 10), leads_analytics 10 / 12 months measured;
- the four opportunities: three won (30, 30 and 60 days), one lost → win_rate rests on four
  decided ones: default 0.3, "only 4 decided opportunities"; cycle_months on three won: default;
- digital service first bought by the six accounts in 2026-01, -02, -04, -06, -08 and -11 →
  12 months, 6 adopters: a Bass fit, m between 6 (seen) and 6 (the accounts);
- segment 'Classic', two accounts, one digital adopter: too little history.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.installed_base.models import Account
from servitize.intelligence.models import Lead
from servitize.sales.models import Opportunity
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import migrated_sqlite
from tests.org_types.helpers import segment

URL = "/api/v1/organisation/simulation?scenario=baseline&months=36&start=2026-01&end=2026-12"


def _lead(session: Session, account: Account, day: date) -> Lead:
    lead = Lead(
        account_id=account.id,
        offering_key="service",
        asset_ids=[],
        source="rule",
        rule="test",
        score=0.5,
        story="a story",
        evidence={},
        as_of=day,
        expires_on=date(2027, 12, 31),
    )
    session.add(lead)
    session.flush()
    return lead


def build(session: Session) -> User:
    """The group of the module docstring; its sales manager."""
    sam = b.user(session, role="sales_manager")
    owner = b.user(session, role="account_owner")
    digital = b.offering(session, shell="digital_service", revenue_model="subscription")
    fleet = []
    for _ in range(6):
        a = b.account(session, owner_id=owner.id)
        segment(session, a.id, "Fleet")
        fleet.append(a)
    for month, a in zip((1, 2, 4, 6, 8, 11), fleet, strict=True):
        b.order(session, a, digital, day=date(2026, month, 10))
    leads = [_lead(session, fleet[i % 6], date(2026, 1 + i, 5)) for i in range(10)]
    for lead, (status, days) in zip(
        leads[:4], (("won", 30), ("won", 30), ("won", 60), ("lost", 10)), strict=True
    ):
        opened = datetime(2026, 3, 1, 9, tzinfo=UTC)
        session.add(
            Opportunity(
                account_id=lead.account_id,
                title="a sale",
                status=status,
                created_at=opened,
                closed_at=opened + timedelta(days=days),
                owner_id=owner.id,
                lead_id=lead.id,
            )
        )
    for _ in range(2):
        c = b.account(session, owner_id=owner.id)
        segment(session, c.id, "Classic")
    b.order(session, c, digital, day=date(2026, 5, 1))
    session.flush()
    return sam


def _sources(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {x["name"]: x for x in doc["parameters_source"]}


def test_measured_where_enough_and_defaults_said(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    sam = build(session)
    auth = {"Authorization": f"Bearer {issue_token(session, sam)}"}
    r = app_client.get(URL + "&group=segment:Fleet", headers=auth)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["group"] == "segment 'Fleet'" and doc["measured_period"] == "2026-01 to 2026-12"
    src = _sources(doc)
    q = src["qualified_share"]
    assert (q["value"], q["origin"], q["n"], q["period"]) == (
        0.4,
        "measured",
        10,
        "2026-01 to 2026-12",
    )
    assert src["leads_analytics"]["value"] == pytest.approx(10 / 12)
    assert src["leads_analytics"]["origin"] == "measured"
    win = src["win_rate"]
    assert (win["value"], win["origin"], win["n"]) == (0.3, "default", 4)
    assert win["why"] == (
        "only 4 decided opportunities in the group in 2026-01 to 2026-12 (at least 5); "
        "default 0.3 used"
    )
    assert src["cycle_months"]["origin"] == "default" and src["cycle_months"]["n"] == 3
    assert doc["parameters"]["qualified_share"] == 0.4
    # the Bass fit of the group's digital service, fed into the subscriptions
    d = doc["diffusion"]
    assert d["fitted"] and (d["months"], d["adopters"]) == (12, 6)
    assert d["actual"] == [1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6]
    assert 6 <= d["m"] <= 6.01 and d["fit_error"] is not None
    assert src["bass_p"]["origin"] == "measured"
    assert src["digital_market"]["value"] == pytest.approx(d["m"], abs=0.01)

    def share(t: float) -> float:
        p, qq = d["p"], d["q"]
        e = math.exp(-(p + qq) * t)
        return (1 - e) / (1 + qq / p * e)

    expected = d["m"] * (share(12 + 36) - share(12))
    assert doc["totals"]["baseline"]["digital_adopters"] == pytest.approx(expected, abs=0.02)
    segments = {x["segment"]: x for x in doc["segments"]}
    assert segments["Fleet"]["fitted"]
    # the whole visible company (group all) holds Classic too
    classic = app_client.get(URL + "&group=segment:Classic", headers=auth).json()
    assert not classic["diffusion"]["fitted"]
    assert classic["diffusion"]["reason"].startswith(
        "too little history in segment 'Classic': 8 months and 1 adopters"
    )

    page = app_client.get(
        "/organisation/simulation?group=segment:Fleet&start=2026-01&end=2026-12", headers=auth
    )
    assert page.status_code == 200 and "style=" not in page.text
    assert (
        '<tr data-origin="measured"><td>qualified_share</td><td class="num">0.4</td>'
        '<td>measured</td><td class="num">10</td>' in page.text
    )
    assert "only 4 decided opportunities in the group" in page.text
    assert "Fitted: p " in page.text and "Adopters of the digital service" in page.text


def test_bad_group_names_the_field(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    sam = build(session)
    auth = {"Authorization": f"Bearer {issue_token(session, sam)}"}
    for group in ("segment:Nowhere", "planet:Mars", "type:7", "segment:"):
        r = app_client.get(f"{URL}&group={group}", headers=auth)
        assert r.status_code == 422 and "group" in r.text, (group, r.text)
    r = app_client.get(URL.replace("2026-12", "2026-13"), headers=auth)
    assert r.status_code == 422 and "end" in r.text
    page = app_client.get("/organisation/simulation?group=planet:Mars", headers=auth)
    assert page.status_code == 422 and "group" in page.text


def test_the_command_shows_the_same(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "sim.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        manager = build(s).username
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke
    args = ["--scenario", "baseline", "--group", "segment:Fleet", "--start", "2026-01"]
    args += ["--end", "2026-12", "--as", manager]
    r = run(app, ["org", "simulate", *args, "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert _sources(doc)["qualified_share"]["origin"] == "measured"
    same = run(app, ["network", "simulate", *args, "--json"])
    assert json.loads(same.stdout)["totals"] == doc["totals"]
    words = run(app, ["org", "simulate", *args])
    assert words.exit_code == 0, words.output
    assert "qualified_share: 0.4 (measured, n = 10)" in words.stdout
    assert "win_rate: 0.3 (default, n = 4) only 4 decided opportunities" in words.stdout
    assert "digital service (Bass): p " in words.stdout
    bad = run(app, ["org", "simulate", "--group", "planet:Mars", "--as", manager])
    assert bad.exit_code == 2 and "group" in bad.output
    listed = run(app, ["org", "lab", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
