"""The value case on every path: API, page, PDF and command show the same numbers; bad input
is a 4xx naming the field; a case outside the user's accounts is 404."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import migrated_sqlite
from tests.value.world import build


def _auth(session: Session, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _pdf_text(data: bytes) -> str:
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return "\n".join(out)


def _written(cents: int, currency: str = "EUR") -> str:
    """Cents as the page and the document write them: 5,565.00 EUR."""
    return f"{cents / 100:,.2f} {currency}"


def test_api_page_and_pdf_show_the_same_numbers(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    auth = _auth(session, w.owner)
    r = app_client.post(
        "/api/v1/value-cases",
        json={"account_id": w.account.id, "assumptions": {"years": 5, "setup_cents": 800000}},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    case = r.json()
    # the small world's figures (tests/value/test_savings.py computes them by hand)
    assert case["saving_cents_per_year"] == 5_565_00
    assert case["prices"][0]["cents"] == 1_669_50
    assert case["prices"][0]["amount"] == "1669.50"
    energy = next(s for s in case["savings"] if s["key"] == "energy")
    assert energy["no_data"] is True and energy["saving_cents"] is None
    assert case["machines"] == 2

    again = app_client.get(f"/api/v1/value-cases/{case['id']}", headers=auth).json()
    assert again["alternatives"] == case["alternatives"]

    page = app_client.get(f"/value-cases/{case['id']}", headers=auth)
    assert page.status_code == 200
    html = page.text
    assert _written(5_565_00) in html and _written(1_669_50) in html
    for a in case["alternatives"]:
        assert _written(a["npv_cents"]) in html
    assert "<svg" in html and "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)

    pdf = app_client.get(f"/value-cases/{case['id']}.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf.content))
    assert 2 <= pages <= 3
    text = _pdf_text(pdf.content)
    assert _written(5_565_00) in text and _written(1_669_50) in text
    for a in case["alternatives"]:
        assert _written(a["npv_cents"]) in text


def test_editing_assumptions_on_the_page_and_the_api(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    auth = _auth(session, w.owner)
    case = app_client.post(
        "/api/v1/value-cases", json={"account_id": w.account.id}, headers=auth
    ).json()
    r = app_client.patch(
        f"/api/v1/value-cases/{case['id']}",
        json={"assumptions": {"downtime_cost_per_hour_cents": 80000}, "version": case["version"]},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    # 12 h × 800.00 × 30 % = 2,880.00
    assert (
        next(s for s in r.json()["savings"] if s["key"] == "downtime")["saving_cents"] == 2_880_00
    )
    assert r.json()["edits"][0]["after"] == 80000
    # the page's form (HTMX): money in major units
    form = {"version": str(r.json()["version"]), "downtime_cost_per_hour_cents": "1000.00"}
    p = app_client.post(
        f"/value-cases/{case['id']}/assumptions",
        data=form,
        headers=auth | {"HX-Request": "true"},
    )
    assert p.status_code == 200
    # 12 h × 1,000.00 × 30 % = 3,600.00
    assert _written(3_600_00) in p.text
    # an old version is refused (409), a word is named
    stale = app_client.post(f"/value-cases/{case['id']}/assumptions", data=form, headers=auth)
    assert stale.status_code == 409
    bad = app_client.post(
        f"/value-cases/{case['id']}/assumptions",
        data={"discount_rate_pct": "lots"},
        headers=auth,
    )
    assert bad.status_code == 422 and "discount_rate_pct" in bad.text


def test_bad_input_names_the_field(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    auth = _auth(session, w.owner)
    for assumptions, field in (
        ({"years": -3}, "years"),
        ({"downtime_cost_per_hour_cents": None}, "downtime_cost_per_hour_cents"),
        ({"discount_rate_pct": -100}, "discount_rate_pct"),
        ({"discount_rate_pct": -120.5}, "discount_rate_pct"),
        # allowed, but discounting 40 years at −99.99 % grows past any amount
        ({"discount_rate_pct": -99.99, "years": 40}, "discount_rate_pct"),
    ):
        r = app_client.post(
            "/api/v1/value-cases",
            json={"account_id": w.account.id, "assumptions": assumptions},
            headers=auth,
        )
        assert r.status_code == 422 and field in r.text, (assumptions, r.text)
    other = b.account(session)
    mine = b.asset(session, other)
    r = app_client.post(
        "/api/v1/value-cases",
        json={"account_id": w.account.id, "asset_ids": [mine.id]},
        headers=auth,
    )
    assert r.status_code == 422 and "asset_ids" in r.text
    # another owner's account: 404, never its data
    stranger = b.user(session, role="account_owner")
    r = app_client.post(
        "/api/v1/value-cases", json={"account_id": w.account.id}, headers=_auth(session, stranger)
    )
    assert r.status_code == 404
    assert app_client.get("/api/v1/value-cases/999999", headers=auth).status_code == 404


def test_the_command_prints_the_same_case(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "value.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        w = build(session, username="owner1")
        number = w.account.external_id
        serials = [m.serial for m in w.machines]
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    run = CliRunner().invoke
    pdf = tmp_path / "case.pdf"
    r = run(
        app,
        [
            "value-case",
            number,
            "--machines",
            ",".join(s for s in serials if s),
            "--assume",
            "years=5",
            "--pdf",
            str(pdf),
            "--json",
            "--as",
            "owner1",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["saving_cents_per_year"] == 5_565_00  # as on the API (hand-computed)
    assert data["prices"][0]["cents"] == 1_669_50
    assert _written(5_565_00) in _pdf_text(pdf.read_bytes())
    bad = run(app, ["value-case", number, "--assume", "years=-2", "--json"])
    assert bad.exit_code == 2 and "years" in bad.stdout


def test_the_360_and_the_opportunity_link_the_case(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    from servitize.sales.models import Opportunity

    w = build(session)
    auth = _auth(session, w.owner)
    page = app_client.get(f"/accounts/{w.account.id}", headers=auth)
    assert f"/value-cases/new?account_id={w.account.id}" in page.text
    opp = Opportunity(account_id=w.account.id, title="Full service", owner_id=w.owner.id, phase=2)
    session.add(opp)
    session.flush()
    page = app_client.get(f"/opportunities/{opp.id}", headers=auth)
    assert page.status_code == 200
    link = f"/value-cases/new?account_id={w.account.id}&amp;opportunity_id={opp.id}"
    assert link in page.text
    new = app_client.get(link.replace("&amp;", "&"), headers=auth)
    assert new.status_code == 200 and w.machines[0].serial in new.text
    made = app_client.post(
        "/value-cases",
        data={"account_id": str(w.account.id), "opportunity_id": str(opp.id)},
        headers=auth,
        follow_redirects=False,
    )
    assert made.status_code == 303
    listed = app_client.get(f"/api/v1/value-cases?opportunity_id={opp.id}", headers=auth).json()
    assert [c["machines"] for c in listed] == [2]


def test_the_quote_of_the_opportunity_carries_the_case(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    from servitize.sales.models import Opportunity

    w = build(session)
    auth = _auth(session, w.owner)
    opp = Opportunity(account_id=w.account.id, title="Full service", owner_id=w.owner.id, phase=3)
    session.add(opp)
    session.flush()
    case = app_client.post(
        "/api/v1/value-cases",
        json={"account_id": w.account.id, "opportunity_id": opp.id, "assumptions": {"years": 5}},
        headers=auth,
    ).json()
    quote = app_client.post(
        "/api/v1/quotes",
        json={"account_id": w.account.id, "opportunity_id": opp.id, "title": "Full service"},
        headers=auth,
    )
    assert quote.status_code == 201, quote.text
    page = app_client.get(f"/quotes/{quote.json()['id']}", headers=auth)
    assert f"/value-cases/quote-panel?opportunity_id={opp.id}" in page.text
    panel = app_client.get(f"/value-cases/quote-panel?opportunity_id={opp.id}", headers=auth)
    assert "Value-based price: 1669.50 EUR a year" in panel.text and "<svg" in panel.text
    assert f"/value-cases/{case['id']}" in panel.text
    pdf = app_client.get(f"/quotes/{quote.json()['id']}.pdf", headers=auth)
    text = _pdf_text(pdf.content)
    assert "Your value case" in text and "Value-based price: 1669.50 EUR a year" in text
