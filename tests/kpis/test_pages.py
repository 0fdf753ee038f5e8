"""The measures' pages, files and API show the same numbers; who sees them; bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from servitize.trust.service import issue_token
from tests.kpis.world import build

Q = "start=2026-01&end=2026-06&grain=quarter&by=channel&rule=linear"


def _auth(session: Any, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_cac_page_csv_xlsx_and_api_agree(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    h = _auth(session, w.sam)
    page = app_client.get(f"/kpis/cac?{Q}", headers=h)
    assert page.status_code == 200, page.text
    # the hand-computed 1,220.00 / 1,420.00 (tests/kpis/world.py) on the page
    assert "1,220.00 EUR" in page.text and "1,420.00 EUR" in page.text
    assert "not computed: no acquisition in the period" in page.text
    api = app_client.get(f"/api/v1/kpis/cac?{Q}", headers=h).json()
    rep = next(x for x in api["lines"] if x["key"] == "sales_rep")
    assert rep["customer_cac_direct"]["value"] == "1220.00"
    rows = list(csv.reader(io.StringIO(app_client.get(f"/kpis/cac.csv?{Q}", headers=h).text)))
    assert rows[0][0] == "group"
    by_key = {r[0]: r for r in rows[1:] if len(r) > 3}
    assert by_key["sales_rep"][2:4] == ["1,220.00 EUR", "1,420.00 EUR"]
    assert by_key["dealer"][2] == "650.00 EUR"
    assert any("currency EUR" in r[0] for r in rows if r)
    book = load_workbook(
        io.BytesIO(app_client.get(f"/kpis/cac.xlsx?{Q}", headers=h).content), read_only=True
    )
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert sheet[[r[0] for r in sheet].index("sales_rep")][:4] == [
        "sales_rep",
        1,
        "1,220.00 EUR",
        "1,420.00 EUR",
    ]


@pytest.mark.parametrize(
    "path", ["/kpis", "/kpis/mrr", "/kpis/clv", "/kpis/scorecard", "/kpis/effort", "/kpis/spend"]
)
def test_pages_render_for_a_manager(session, app_client, path: str) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    r = app_client.get(path, headers=_auth(session, w.sam))
    assert r.status_code == 200, r.text
    assert "<script>" not in r.text and " style=" not in r.text


def test_the_scorecard_is_the_same_for_both_managers(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from tests import builders as b

    w = build(session)
    service = b.user(session, role="service_manager")
    q = "/api/v1/kpis/scorecard?start=2026-01&end=2026-06"
    sales = app_client.get(q, headers=_auth(session, w.sam)).json()
    serv = app_client.get(q, headers=_auth(session, service)).json()
    assert sales == serv
    pages = [
        app_client.get("/kpis/scorecard?start=2026-01&end=2026-06", headers=_auth(session, u))
        for u in (w.sam, service)
    ]
    cells = [p.text.split('data-testid="scorecard"')[1].split("</table>")[0] for p in pages]
    assert cells[0] == cells[1]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("sales_manager", 200),
        ("service_manager", 200),
        ("analyst", 200),
        ("account_owner", 200),
        ("technician", 403),
    ],
)
def test_who_sees_the_measures(session, app_client, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    from tests import builders as b

    build(session)
    user = b.user(session, role=role)
    for path in ("/kpis/cac", "/api/v1/kpis/mrr", "/api/v1/kpis/scorecard"):
        r = app_client.get(path, headers=_auth(session, user))
        assert r.status_code == status, (path, r.status_code, r.text)


def test_a_bad_month_on_a_page_says_which(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    r = app_client.get("/kpis/cac?start=2026-13", headers=_auth(session, w.sam))
    assert r.status_code == 422 and "start: a month is written YYYY-MM" in r.text
    r = app_client.get("/kpis/mrr?start=2026-06&end=2026-01", headers=_auth(session, w.sam))
    assert r.status_code == 422 and "end: lies before start" in r.text


def test_the_account_360_shows_its_clv(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from servitize.installed_base.models import Account
    from tests import builders as b
    from tests.kpis.test_recurring import _contract

    w = build(session)
    account = session.get(Account, w.a)
    _contract(session, account, 9, 10000, date(2025, 1, 1), None)
    session.flush()
    page = app_client.get(f"/accounts/{w.a}", headers=_auth(session, w.olga))
    assert f"/accounts/{w.a}/clv-panel" in page.text
    panel = app_client.get(f"/accounts/{w.a}/clv-panel", headers=_auth(session, w.olga))
    assert panel.status_code == 200 and 'data-testid="account-clv"' in panel.text
    assert "constant retention" in panel.text  # the method on the figure
    # a technician sees no measures: an empty panel, not an error
    tech = app_client.get(f"/accounts/{w.a}/clv-panel", headers=_auth(session, w.tom))
    assert tech.status_code == 200 and tech.text == ""
    other = b.user(session, role="account_owner")
    assert (
        app_client.get(f"/accounts/{w.a}/clv-panel", headers=_auth(session, other)).status_code
        == 404
    )
