"""Recording effort and spend: defaults from the template, own hours only, CSV import all or
nothing, and bad input named by its field (API and page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from servitize.installed_base.models import Account
from servitize.kpis.models import EffortEntry, Spend, Touch
from servitize.sales.models import Opportunity, SalesActivity
from servitize.trust.service import issue_token
from tests.kpis.world import build


def _h(session: Any, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_effort_on_an_activity_takes_the_template_default(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    opp = Opportunity(account_id=w.a, title="Retrofit", owner_id=w.olga.id)
    session.add(opp)
    session.flush()
    act = SalesActivity(
        opportunity_id=opp.id,
        code="layout_codesign",
        phase=2,
        title="Co-design the layout",
        actor="design",
        layer="onstage",
    )
    session.add(act)
    session.flush()
    r = app_client.post(
        "/api/v1/kpis/effort",
        headers=_h(session, w.olga),
        json={"activity_id": act.id, "day": "2026-02-01"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    # the template's 16 hours for a co-design; the entry names the opportunity and the account
    assert body["hours"] == "16.00" and body["opportunity_id"] == opp.id
    assert (
        body["account_id"] == w.a and body["role"] == "account_owner" and body["region"] == "North"
    )


def test_one_records_only_ones_own_hours(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    body = {"visit_id": w.visit_a, "day": "2026-02-01", "hours": "2", "user_id": w.tom.id}
    r = app_client.post("/api/v1/kpis/effort", headers=_h(session, w.olga), json=body)
    assert r.status_code == 422 and "user_id" in r.text
    r = app_client.post("/api/v1/kpis/effort", headers=_h(session, w.sam), json=body)
    assert r.status_code == 201 and r.json()["user_id"] == w.tom.id


def test_effort_bad_input_names_the_field(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.olga)
    for body, field in (
        ({"day": "2026-02-01", "hours": "1"}, "activity_id"),
        ({"visit_id": w.visit_a, "lead_id": 1, "day": "2026-02-01"}, "activity_id"),
        ({"visit_id": w.visit_a, "day": "2026-02-01", "hours": "25"}, "hours"),
        ({"visit_id": w.visit_a, "day": "2026-02-01", "hours": "-1"}, "hours"),
        ({"visit_id": w.visit_a, "day": "2999-01-01"}, "day"),
        ({"visit_id": w.visit_a, "day": "yesterday"}, "day"),
    ):
        r = app_client.post("/api/v1/kpis/effort", headers=h, json=body)
        assert r.status_code in (400, 422), (body, r.status_code)
        assert field in r.text, (body, r.text)
    r = app_client.post(
        "/api/v1/kpis/effort", headers=h, json={"visit_id": 999_999, "day": "2026-02-01"}
    )
    assert r.status_code == 404


def test_the_effort_form_records_and_says_what_was_wrong(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.tom)
    ok = app_client.post(
        "/kpis/effort",
        headers=h,
        data={"subject": "visit", "subject_id": str(w.visit_a), "day": "2026-02-03", "hours": ""},
        follow_redirects=False,
    )
    # a visit's default: 1 h
    assert ok.status_code == 303 and "Recorded 1.00 h" in unquote_plus(ok.headers["location"])
    bad = app_client.post(
        "/kpis/effort",
        headers=h,
        data={"subject": "visit", "subject_id": str(w.visit_a), "day": "03.02.2026"},
    )
    assert bad.status_code == 422 and "day: a day is written YYYY-MM-DD" in bad.text


SPEND_CSV = (
    "external_id,kind,name,channel,segment,start_on,end_on,amount,currency,account\n"
    "C-1,campaign,Spring mailing,web,Ready,2026-03-01,2026-03-31,4500.00,EUR,\n"
    "T-1,trade_fair,Hannover fair,sales_rep,,2026-04-20,2026-04-24,38000,EUR,\n"
)


def test_spend_import_then_touches(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.sam)
    r = app_client.post("/api/v1/kpis/spend/import", headers=h, json={"csv": SPEND_CSV})
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "spend", "rows": 2}
    fair = session.query(Spend).filter_by(external_id="T-1").one()
    assert fair.amount_cents == 3_800_000 and fair.segment is None
    ext = session.get(Account, w.a).external_id
    touches = f"spend,account,day\nT-1,{ext},2026-04-21\nC-1,{ext},2026-03-02\n"
    r = app_client.post(
        "/api/v1/kpis/spend/import", headers=h, json={"kind": "touches", "csv": touches}
    )
    assert r.json()["rows"] == 2
    assert session.query(Touch).filter_by(spend_id=fair.id).count() == 1
    # again with a new amount: the same spend, updated
    r = app_client.post(
        "/api/v1/kpis/spend/import", headers=h, json={"csv": SPEND_CSV.replace("38000", "39000")}
    )
    session.expire_all()
    assert session.query(Spend).filter_by(external_id="T-1").one().amount_cents == 3_900_000


def test_a_bad_row_changes_nothing_and_is_named(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.sam)
    before = session.query(Spend).count()
    for bad, says in (
        (SPEND_CSV.replace("2026-04-24", "2026-04-01"), "row 3 end_on: lies before start_on"),
        (SPEND_CSV.replace("4500.00", "lots"), "row 2 amount"),
        (SPEND_CSV.replace(",EUR,\nT", ",USD,\nT"), "row 2 currency"),
        (SPEND_CSV.replace("campaign,Spring", "gift,Spring"), "row 2 kind"),
        ("name,amount\nX,1\n", "file: missing columns"),
        (
            SPEND_CSV.replace("T-1,trade_fair", "T-1,commission").replace("Hannover", "Dealer"),
            "row 3 account",
        ),
    ):
        r = app_client.post("/api/v1/kpis/spend/import", headers=h, json={"csv": bad})
        assert r.status_code == 422, (says, r.status_code, r.text)
        assert says in r.text, (says, r.text)
    assert session.query(Spend).count() == before


def test_only_sales_leads_record_spend(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    r = app_client.post(
        "/api/v1/kpis/spend/import", headers=_h(session, w.olga), json={"csv": SPEND_CSV}
    )
    assert r.status_code == 403


def test_the_import_page(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.sam)
    ok = app_client.post(
        "/kpis/spend/import",
        headers=h,
        data={"kind": "spend"},
        files={"file": ("spend.csv", SPEND_CSV.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "Imported 2 spend rows" in unquote_plus(ok.headers["location"])
    bad = app_client.post(
        "/kpis/spend/import",
        headers=h,
        data={"kind": "spend"},
        files={"file": ("spend.csv", b"\xff\xfe", "text/csv")},
    )
    assert bad.status_code == 422 and "file: a CSV file in UTF-8" in bad.text
    page = app_client.get("/kpis/spend", headers=h)
    assert "Hannover fair" in page.text and "38,000.00 EUR" in page.text


def test_cost_rates_are_dated(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _h(session, w.sam)
    r = app_client.put(
        "/api/v1/kpis/cost-rates",
        headers=h,
        json={"role": "technician", "valid_from": "2026-04-01", "per_hour": "70.00"},
    )
    assert r.status_code == 200 and r.json()["per_hour"] == "70.00"
    # Tom's 3 h on 2026-04-15 now cost 70.00 an hour: A's new stream 100 + 210 = 310.00
    doc = app_client.get("/api/v1/kpis/cac?start=2026-01&end=2026-06&by=kind", headers=h).json()
    stream = next(x for x in doc["lines"] if x["key"] == "stream")
    assert stream["stream_cac_direct"]["value"] == "310.00"
    assert session.query(EffortEntry).count() == 5
