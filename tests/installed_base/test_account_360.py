"""The account 360 and the installed-base API, with numbers counted by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from servitize.installed_base.models import ExchangeRate
from servitize.installed_base.service import account_360
from servitize.trust.context import context_of
from servitize.trust.service import issue_token
from tests import builders as b

TODAY = date(2026, 11, 23)


def _customer(session):  # type: ignore[no-untyped-def]
    """An account with 4 machines, 2 sites, 3 contacts, history and purchases."""
    owner = b.user(session, username="anna", full_name="Anna Owner", role="account_owner")
    tech = b.user(session, username="tom", role="technician", territory="north")
    acc = b.account(
        session,
        name="Nordic Paper",
        owner_id=owner.id,
        territory="north",
        country="SE",
        currency="SEK",
        volume=4,
    )
    s1, s2 = b.site(session, acc, name="Mill A"), b.site(session, acc, name="Mill B")
    line = b.asset(
        session,
        acc,
        site_id=s1.id,
        install_date=date(2003, 5, 1),
        connectivity="none",
        product_line="lines",
    )  # 23 years: 20+
    p1 = b.asset(
        session,
        acc,
        site_id=s1.id,
        parent_id=line.id,
        install_date=date(2018, 1, 1),
        connectivity="legacy",
        coverage="maintenance",
        contract_end=date(2027, 12, 31),
        product_line="pumps",
    )  # 8.9 years: 5-10, under contract
    b.asset(
        session,
        acc,
        site_id=s2.id,
        origin="competitor",
        competitor="RivalCo",
        install_date=date(2025, 3, 1),
        warranty_end=date(2027, 3, 1),
        connectivity="current",
        product_line="pumps",
    )  # 1.7 years, under warranty
    b.asset(
        session, acc, site_id=None, serial=None, install_date=None, product_line="pumps"
    )  # no site, no serial, unknown age
    b.contact(session, acc, name="Dora", buying_role="decision_maker", level="executive")
    b.contact(session, acc, name="Ted", buying_role="technical")
    b.contact(session, acc, name="Tina", buying_role="technical")
    b.service_event(
        session,
        p1,
        kind="repair",
        component="seal",
        day=date(2026, 9, 1),
        parts_cost_cents=120_00,
        currency="SEK",
        labour_hours=3,
        downtime_hours=10,
    )
    b.service_event(
        session,
        p1,
        kind="repair",
        component="seal",
        day=date(2026, 3, 1),
        parts_cost_cents=80_00,
        currency="SEK",
        labour_hours=2,
        downtime_hours=6,
    )
    b.service_event(
        session, line, kind="maintenance", day=date(2026, 1, 10), labour_hours=5, currency="SEK"
    )
    b.service_event(
        session,
        line,
        kind="repair",
        day=date(2025, 6, 1),  # older than 12 months
        parts_cost_cents=999_00,
        currency="SEK",
        downtime_hours=50,
    )
    service = b.offering(session, shell="service")
    digital = b.offering(session, shell="digital_service")
    b.order(session, acc, service, day=date(2026, 2, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, acc, digital, day=date(2026, 8, 1), amount_cents=500_00, currency="EUR")
    b.order(session, acc, service, day=date(2024, 2, 1), amount_cents=7000_00, currency="EUR")
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.09),
            ExchangeRate(currency="SEK", day=date(2026, 6, 1), rate=0.085),
        ]
    )
    session.flush()
    return owner, tech, acc


def test_account_360_numbers(session) -> None:  # type: ignore[no-untyped-def]
    owner, _tech, acc = _customer(session)
    view = account_360(context_of(session, owner, today=TODAY), acc.id)

    assert view.account.owner.username == "anna"
    assert {role: [c.name for c in cs] for role, cs in view.contacts_by_role.items()} == {
        "decision_maker": ["Dora"],
        "technical": ["Ted", "Tina"],
    }
    assert sorted((s.name, s.assets) for s in view.sites) == [("Mill A", 2), ("Mill B", 1)]
    ib = view.installed_base
    assert ib.assets == 4
    assert {c.label: c.count for c in ib.by_origin} == {"own": 3, "competitor": 1}
    assert {c.label: c.count for c in ib.by_age_band} == {
        "0-5": 1,
        "5-10": 1,
        "10-20": 0,
        "20+": 1,
        "unknown": 1,
    }
    assert {c.label: c.count for c in ib.by_connectivity} == {"none": 2, "legacy": 1, "current": 1}
    assert {c.label: c.count for c in ib.by_coverage_status}["under_contract"] == 1
    assert {c.label: c.count for c in ib.by_coverage_status}["under_warranty"] == 1
    assert [(c.label, c.count) for c in ib.competitors] == [("RivalCo", 1)]

    sh = view.service_history
    assert sh.events == 3  # the 2025-06 repair is older than twelve months
    assert {c.label: c.count for c in sh.by_kind} == {"repair": 2, "maintenance": 1}
    assert [(c.label, c.count) for c in sh.top_components] == [("seal", 2)]
    assert sh.parts_cost == Decimal("17.40")  # 120 SEK at 0.085 (Sept) + 80 SEK at 0.09 (March)
    assert sh.currency == "EUR"
    assert sh.downtime_hours == 16.0
    assert sh.labour_hours == 10.0
    assert len(sh.recent) == 4 and sh.recent[0].day == date(2026, 9, 1)

    pu = view.purchases
    assert pu.orders == 2
    assert pu.amount == Decimal("590.00")  # 1000 SEK at 0.09 + 500 EUR
    assert pu.currency == "EUR"
    assert pu.last_order == date(2026, 8, 1)

    health = {i.check: i.count for i in view.data_health.issues}
    assert health == {"missing_serial": 1, "missing_install_date": 1, "missing_site": 1}
    assert view.data_health.score == 75  # 3 of 4 machines clean


def test_api_needs_a_token_and_hides_foreign_accounts(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, tech, acc = _customer(session)
    stranger = b.user(session, role="account_owner")
    other = b.account(session, name="Elsewhere")
    token = issue_token(session, owner)
    session.flush()
    auth = {"Authorization": f"Bearer {token}"}

    assert app_client.get("/api/v1/accounts").status_code == 401
    assert (
        app_client.get("/api/v1/accounts", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )

    listed = app_client.get("/api/v1/accounts", headers=auth).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "Nordic Paper"

    view = app_client.get(f"/api/v1/accounts/{acc.id}", headers=auth)
    assert view.status_code == 200
    assert view.json()["installed_base"]["assets"] == 4
    assert app_client.get(f"/api/v1/accounts/{other.id}", headers=auth).status_code == 404

    stranger_auth = {"Authorization": f"Bearer {issue_token(session, stranger)}"}
    assert app_client.get(f"/api/v1/accounts/{acc.id}", headers=stranger_auth).status_code == 404
    assets = app_client.get("/api/v1/assets", headers=stranger_auth).json()
    assert assets["total"] == 0

    tech_auth = {"Authorization": f"Bearer {issue_token(session, tech)}"}
    pumps = app_client.get(
        f"/api/v1/assets?account_id={acc.id}&origin=competitor", headers=tech_auth
    )
    assert [a["competitor"] for a in pumps.json()["items"]] == ["RivalCo"]
    events = app_client.get(
        f"/api/v1/service-events?account_id={acc.id}&kind=repair", headers=tech_auth
    ).json()
    assert events["total"] == 3


def test_api_rejects_bad_input_with_4xx(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, _tech, _acc = _customer(session)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    for url in (
        "/api/v1/accounts?limit=0",
        "/api/v1/accounts?limit=100000",
        "/api/v1/assets?origin=alien",
        "/api/v1/service-events?since=yesterday",
        "/api/v1/accounts/abc",
        "/api/v1/accounts?country=GERMANY",
    ):
        response = app_client.get(url, headers=auth)
        assert response.status_code == 422, url
        assert response.json()["detail"], url
    assert app_client.get("/api/v1/accounts/999999999", headers=auth).status_code == 404


def test_360_money_at_the_rate_of_the_day_and_unconverted_apart(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="ulla", role="account_owner")
    acc = b.account(session, name="Swiss Gears", owner_id=owner.id)
    pump = b.asset(session, acc)
    service = b.offering(session, shell="service")
    b.order(session, acc, service, day=date(2026, 3, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, acc, service, day=date(2026, 9, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, acc, service, day=date(2026, 5, 5), amount_cents=1200_00, currency="CHF")
    b.order(session, acc, service, day=date(2026, 5, 6), amount_cents=300_00, currency="CHF")
    # Exactly 365 days before today: outside (today - 365 days, today], twelve months.
    b.order(session, acc, service, day=date(2025, 11, 23), amount_cents=50_00, currency="EUR")
    b.order(session, acc, service, day=date(2025, 11, 24), amount_cents=20_00, currency="EUR")
    b.service_event(
        session, pump, kind="repair", day=date(2026, 4, 1), parts_cost_cents=400_00, currency="CHF"
    )
    b.service_event(session, pump, kind="repair", day=date(2025, 11, 23), downtime_hours=7)
    b.service_event(session, pump, kind="maintenance", day=date(2026, 6, 1), downtime_hours=6)
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.09),
            ExchangeRate(currency="SEK", day=date(2026, 6, 1), rate=0.085),
        ]
    )
    session.flush()
    view = account_360(context_of(session, owner, today=TODAY), acc.id)
    pu = view.purchases
    # 1000 SEK x 0.09 (March) + 1000 SEK x 0.085 (Sept) + 20 EUR; the CHF never count as EUR.
    assert pu.amount == Decimal("195.00")
    assert [(u.amount, u.currency) for u in pu.unconverted] == [(Decimal("1500.00"), "CHF")]
    assert pu.orders == 5
    sh = view.service_history
    assert sh.events == 2  # the 2025-11-23 repair is 365 days old: not in twelve months
    # Downtime is unplanned (repairs): the 6-h maintenance stop is shown apart.
    assert (sh.downtime_hours, sh.repairs, sh.planned_downtime_hours) == (0.0, 1, 6.0)
    assert sh.parts_cost == Decimal("0.00")
    assert [(u.amount, u.currency) for u in sh.parts_cost_unconverted] == [
        (Decimal("400.00"), "CHF")
    ]
