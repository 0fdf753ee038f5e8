"""CAC of a small organisation worked out by hand (tests/kpis/world.py shows the arithmetic),
through the API on both backends, under each attribution rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from servitize.trust.service import issue_token
from tests.kpis.world import build

PATH = "/api/v1/kpis/cac?start=2026-01&end=2026-06&grain=quarter"


def _get(client: Any, session: Any, user: Any, path: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {issue_token(session, user)}"})


def _lines(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["key"]: x for x in doc["lines"]}


def _v(figure: dict[str, Any]) -> Decimal | None:
    return None if figure["value"] is None else Decimal(str(figure["value"]))


def test_cac_by_channel_linear(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    r = _get(app_client, session, w.sam, PATH + "&by=channel&rule=linear")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["currency"] == "EUR" and doc["period"] == "2026-01 to 2026-06"
    lines = _lines(doc)
    assert set(lines) == {"sales_rep", "dealer", "technician"}
    rep, dealer, tech = lines["sales_rep"], lines["dealer"], lines["technician"]
    # A: direct 1,220.00, fully loaded 1,420.00 (C's 200.00 of Q1)
    assert (rep["customers"], rep["streams"]) == (1, 0)
    assert _v(rep["customer_cac_direct"]) == Decimal("1220.00")
    assert _v(rep["customer_cac_loaded"]) == Decimal("1420.00")
    # B through the dealer: 300 (fair) + 300 (mailing) + 50 (commission)
    assert _v(dealer["customer_cac_direct"]) == Decimal("650.00")
    assert _v(dealer["customer_cac_loaded"]) == Decimal("650.00")
    # A's new stream sold on site: 100 + 180; counted apart from customers
    assert (tech["customers"], tech["streams"]) == (0, 1)
    assert _v(tech["stream_cac_direct"]) == Decimal("280.00")
    assert tech["customer_cac_direct"]["value"] is None
    assert tech["customer_cac_direct"]["reason"] == "no acquisition in the period"
    # one-time sales only: no payback, and it says why
    assert rep["payback"]["value"] is None and "one-time" in rep["payback"]["reason"]
    assert "linear" in doc["attribution_method"]


def test_cac_by_kind_and_period(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    kinds = _lines(_get(app_client, session, w.sam, PATH + "&by=kind").json())
    # customers A and B: direct (1,220 + 650) / 2 = 935.00; loaded (1,420 + 650) / 2 = 1,035.00
    assert _v(kinds["customer"]["customer_cac_direct"]) == Decimal("935.00")
    assert _v(kinds["customer"]["customer_cac_loaded"]) == Decimal("1035.00")
    assert _v(kinds["stream"]["stream_cac_direct"]) == Decimal("280.00")
    periods = _lines(_get(app_client, session, w.sam, PATH + "&by=period").json())
    assert _v(periods["2026-Q1"]["customer_cac_loaded"]) == Decimal("1420.00")
    assert _v(periods["2026-Q2"]["customer_cac_direct"]) == Decimal("650.00")


def test_first_touch_moves_the_mailing_to_the_pool(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    lines = _lines(_get(app_client, session, w.sam, PATH + "&by=channel&rule=first").json())
    # first touch: the fair is A's and B's first touch: 450.00 each; the mailing earns no
    # credit, so its 300.00 (all in March) joins Q1's pool with C's 200.00: 500.00.
    # A: 500 + 120 + 450 = 1,070.00 direct, + 500 = 1,570.00 loaded; B: 450 + 50 = 500.00
    assert _v(lines["sales_rep"]["customer_cac_direct"]) == Decimal("1070.00")
    assert _v(lines["sales_rep"]["customer_cac_loaded"]) == Decimal("1570.00")
    assert _v(lines["dealer"]["customer_cac_direct"]) == Decimal("500.00")


def test_an_owner_sees_only_their_own(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    mine = _get(app_client, session, w.olga, PATH)
    assert mine.status_code == 200
    other = _get(app_client, session, w.olga, PATH + f"&owner_id={w.sam.id}")
    assert other.status_code == 403
    assert _get(app_client, session, w.tom, PATH).status_code == 403


def test_no_cost_recorded_says_why(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    # July: no acquisition at all
    r = _get(app_client, session, w.sam, "/api/v1/kpis/cac?start=2026-07&end=2026-07")
    assert r.status_code == 200 and r.json()["lines"] == []


def test_bad_input_names_the_field(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    for query, field in (
        ("start=2026-13", "start"),
        ("rule=middle", "rule"),
        ("by=colour", "by"),
        ("start=2026-05&end=2026-01", "end"),
        ("start=2000-01&end=2026-01", "end"),
    ):
        r = _get(app_client, session, w.sam, f"/api/v1/kpis/cac?{query}")
        assert r.status_code in (400, 422), (query, r.status_code)
        assert field in r.text, (query, r.text)
