"""Numbers that must agree: money by one convention, unplanned downtime, rounding, plurals."""

from __future__ import annotations

from datetime import date

import pytest

from servitize.core.settings import IntelligenceSettings
from servitize.installed_base.models import ExchangeRate
from servitize.intelligence import rules, stories
from servitize.intelligence.featurize import Sources, compute, lead_assets
from servitize.intelligence.service import generate_leads
from tests import builders as b
from tests.intelligence.fleet import records_of

AS_OF = date(2026, 11, 23)


def _rows(session, level):  # type: ignore[no-untyped-def]
    src = Sources.from_records(records_of(session))
    table = (
        compute(src, AS_OF, level)
        if level == "account"
        else lead_assets(src, AS_OF, IntelligenceSettings().leads.repeat_window_days)
    )
    return table, {r[f"{level}_id"]: r for r in table.to_pylist()}


def test_spend_at_the_rate_of_the_order_day_and_no_rate_never_counts_as_eur(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session, name="Swiss Gears")
    pump = b.asset(session, acc)
    service = b.offering(session, shell="service", family="inspection")
    b.order(session, acc, service, day=date(2026, 3, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, acc, service, day=date(2026, 9, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, acc, service, day=date(2026, 5, 5), amount_cents=1200_00, currency="CHF")
    b.order(session, acc, service, day=date(2026, 7, 1), amount_cents=20_00, currency="EUR")
    b.service_event(session, pump, day=date(2026, 4, 1), parts_cost_cents=400_00, currency="CHF")
    b.service_event(session, pump, day=date(2026, 5, 1), parts_cost_cents=1000_00, currency="SEK")
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.09),
            ExchangeRate(currency="SEK", day=date(2026, 6, 1), rate=0.085),
        ]
    )
    session.flush()
    _, accounts = _rows(session, "account")
    row = accounts[acc.id]
    # 1000 SEK x 0.09 (March rate) + 1000 SEK x 0.085 (September rate) + 20 EUR = 195 EUR;
    # the 1,200 CHF have no rate: not in the sum (today they count as 1,200 EUR).
    assert row["spend_12m_cents"] == 195_00
    assert row["service_spend_12m_cents"] == 195_00
    assert row["unconverted_orders_12m"] == 1
    _, assets = _rows(session, "asset")
    assert assets[pump.id]["parts_cost_12m_cents"] == 90_00  # 1000 SEK x 0.09 in May; CHF apart


def test_wallet_story_names_what_it_could_not_convert() -> None:
    text = stories.tell(
        "wallet_share",
        {
            "service_spend_12m_cents": 195_00,
            "window_days": 365,
            "own_assets": 2,
            "need_12m_cents": 5000_00,
            "unconverted_orders_12m": 1,
        },
        "Inspection",
    )
    assert "spent 195 EUR" in text
    assert "plus one order in a currency without an exchange rate, not counted" in text


def test_planned_maintenance_is_not_downtime(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    press = b.asset(session, acc, product_line="gearboxes", connectivity="none")
    b.service_event(session, press, kind="repair", day=date(2026, 5, 1), downtime_hours=30.0)
    b.service_event(session, press, kind="maintenance", day=date(2026, 6, 1), downtime_hours=20.0)
    session.flush()
    table, assets = _rows(session, "asset")
    assert assets[press.id]["downtime_12m_h"] == 30.0  # the 20 planned hours are not downtime
    hits = [
        h
        for h in rules.hits(table, "asset", IntelligenceSettings().leads)
        if h.rule == "downtime_without_monitoring"
    ]
    assert hits == []  # 30 h < 40 h; counted with maintenance it was 50 h and a lead


def test_threshold_and_story_see_one_rounding(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    mill = b.asset(session, acc, connectivity="none")
    b.service_event(session, mill, day=date(2026, 5, 1), downtime_hours=20.0)
    b.service_event(session, mill, day=date(2026, 6, 1), downtime_hours=19.96)
    b.asset(session, acc, origin="competitor")
    b.asset(session, acc)
    session.flush()
    table, assets = _rows(session, "asset")
    assert assets[mill.id]["downtime_12m_h"] == pytest.approx(39.96)
    # 39.96 h is under the 40-h threshold; rounded to 40.0 first it passed.
    assert not [
        h
        for h in rules.hits(table, "asset", IntelligenceSettings().leads)
        if h.rule == "downtime_without_monitoring"
    ]
    _, accounts = _rows(session, "account")
    assert accounts[acc.id]["competitor_share"] == pytest.approx(1 / 3, abs=1e-12)  # not 0.333


def test_twelve_months_end_at_the_cutoff_and_span_365_days(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    mill = b.asset(session, acc)
    b.service_event(session, mill, day=date(2025, 11, 23), downtime_hours=5.0)  # 365 days back
    b.service_event(session, mill, day=date(2025, 11, 24), downtime_hours=7.0)  # 364 days back
    session.flush()
    _, assets = _rows(session, "asset")
    assert assets[mill.id]["repairs_12m"] == 1 and assets[mill.id]["downtime_12m_h"] == 7.0


def test_plurals_of_product_families_and_components() -> None:
    assert [
        stories.plural_of(w)
        for w in ("gearbox", "press", "battery", "valve", "switch", "competitor machine", "day")
    ] == ["gearboxes", "presses", "batteries", "valves", "switches", "competitor machines", "days"]
    assert [
        stories.singular_of(w)
        for w in ("gearboxes", "presses", "pumps", "batteries", "heat_exchanger")
    ] == ["gearbox", "press", "pump", "battery", "heat_exchanger"]
    text = stories.tell(
        "repeat_repairs",
        {
            "product_line": "gearboxes",
            "asset": "G-1",
            "component": "gearbox",
            "repairs": 3,
            "window_days": 182,
            "downtime_hours": 0.6,
            "flaggable": 2,
        },
        "Condition monitoring",
    )
    assert text.startswith(
        "Gearbox G-1 needed three gearbox repairs in the last six months, 1 hour of downtime."
    )
    assert "of the gearboxes would" in text and "gearboxs" not in text


def test_downtime_story_says_unplanned_hours_over_repairs(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    b.offering(
        session,
        name="Condition monitoring",
        family="condition_monitoring",
        shell="digital_service",
        revenue_model="subscription",
        list_price_cents=45_00,
    )
    press = b.asset(session, acc, external_id="PR-1", product_line="presses", connectivity="none")
    b.service_event(session, press, kind="repair", day=date(2026, 5, 1), downtime_hours=30.4)
    b.service_event(session, press, kind="repair", day=date(2026, 7, 1), downtime_hours=15.2)
    b.service_event(session, press, kind="maintenance", day=date(2026, 6, 1), downtime_hours=8.0)
    session.flush()
    generate_leads(session, AS_OF, use_model=False)
    from servitize.intelligence.models import Lead

    lead = session.query(Lead).filter(Lead.rule == "downtime_without_monitoring").one()
    assert lead.story.startswith(
        "Press PR-1 stood still for 46 hours in the last twelve months "
        "over two repairs (unplanned stops only)"
    )


def test_connectivity_as_of_the_cutoff(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.installed_base.models import order_asset

    acc = b.account(session)
    kit = b.offering(
        session,
        external_id="X-RETRO",
        name="Sensor retrofit kit",
        family="retrofit",
        shell="expanded_range",
    )
    old = b.asset(session, acc, install_date=date(2008, 1, 1), connectivity="current")
    b.asset(session, acc, install_date=date(2024, 1, 1), connectivity="current")  # born connected
    order = b.order(session, acc, kit, day=date(2026, 6, 1), amount_cents=3_800_00)
    session.flush()
    session.execute(order_asset.insert().values(order_id=order.id, asset_id=old.id))
    session.flush()
    src = Sources.from_records(records_of(session))
    before = {r["account_id"]: r for r in compute(src, date(2026, 1, 1), "account").to_pylist()}
    after = {r["account_id"]: r for r in compute(src, date(2026, 7, 1), "account").to_pylist()}
    # In January the old machine had not had its sensors yet: only the new one counts.
    assert (before[acc.id]["current_sensor_assets"], before[acc.id]["connected_assets"]) == (1, 1)
    assert before[acc.id]["connected_share"] == 0.5
    assert (after[acc.id]["current_sensor_assets"], after[acc.id]["connected_assets"]) == (2, 2)


def test_lead_value_from_a_list_price_in_another_currency(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.intelligence.models import Lead

    acc = b.account(session)
    b.offering(
        session,
        name="Maintenance contract SE",
        family="maintenance_contract",
        list_price_cents=1000_00,
        currency="SEK",
    )
    b.asset(session, acc, warranty_end=date(2026, 12, 23), install_date=date(2025, 1, 1))
    insp = b.offering(session, family="inspection", shell="service")
    b.order(session, acc, insp, day=date(2026, 10, 1), amount_cents=2000_00)  # not drifted
    session.add_all(
        [
            ExchangeRate(currency="SEK", day=date(2026, 1, 1), rate=0.09),
            ExchangeRate(currency="SEK", day=date(2026, 12, 1), rate=0.5),
        ]
    )  # later
    session.flush()
    generate_leads(session, AS_OF, use_model=False)
    lead = session.query(Lead).filter(Lead.rule == "coverage_ending").one()
    assert (lead.estimated_value_cents, lead.currency) == (90_00, "EUR")  # 1,000 SEK x 0.09


def test_every_story_counts_in_words_with_the_right_plural() -> None:
    drift = stories.tell(
        "drifted_customer", {"own_assets": 1, "days_since_purchase": 1}, "Inspection"
    )
    assert "runs one machine of ours but has not bought anything for one day." in drift
    assert "for 400 days" in stories.tell(
        "drifted_customer", {"own_assets": 2, "days_since_purchase": 400}, "X"
    )
    ending = stories.tell(
        "coverage_ending",
        {"ending": "warranty", "product_line": "batteries", "asset": "B-1", "days_left": 1},
        "Contract",
    )
    assert ending.startswith("The warranty of Battery B-1 ends in one day.")
