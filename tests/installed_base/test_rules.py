"""Pure rules: coverage status, age bands, data health, currency sums."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from servitize.installed_base import repository as repo
from servitize.installed_base.models import Asset
from servitize.installed_base.rules import (
    AssetFacts,
    age_band,
    age_years,
    convert_sum,
    coverage_status,
    data_health,
)
from tests import builders as b

TODAY = date(2026, 11, 23)


def test_coverage_status_cases() -> None:
    assert coverage_status(date(2027, 1, 1), "none", None, TODAY) == "under_warranty"
    assert (
        coverage_status(date(2025, 1, 1), "maintenance", date(2027, 6, 30), TODAY)
        == "under_contract"
    )
    assert coverage_status(date(2025, 1, 1), "full_service", None, TODAY) == "under_contract"
    assert (
        coverage_status(date(2025, 1, 1), "maintenance", date(2026, 6, 30), TODAY)
        == "out_of_contract"
    )
    assert coverage_status(date(2020, 1, 1), "none", None, TODAY) == "out_of_warranty"
    assert coverage_status(None, None, None, TODAY) == "out_of_warranty"
    # warranty ends today: still covered today
    assert coverage_status(TODAY, "none", None, TODAY) == "under_warranty"


def test_age_and_bands() -> None:
    assert age_years(date(2016, 11, 23), TODAY) == 10.0
    assert age_years(None, TODAY) is None
    assert [age_band(a) for a in (0.0, 4.9, 5.0, 9.99, 10.0, 19.9, 20.0, None)] == [
        "0-5",
        "0-5",
        "5-10",
        "5-10",
        "10-20",
        "10-20",
        "20+",
        "unknown",
    ]


def test_data_health_finds_each_flaw() -> None:
    ok = {
        "model": "PX",
        "site_id": 1,
        "install_date": date(2015, 1, 1),
        "warranty_end": date(2017, 1, 1),
        "last_touched": date(2026, 1, 1),
    }
    assets = [
        AssetFacts(1, "S1", **ok),
        AssetFacts(2, None, **ok),  # missing serial
        AssetFacts(3, "D", **ok),
        AssetFacts(4, "d ", **ok),  # duplicate of 3 (case and blanks ignored)
        AssetFacts(5, "S5", **(ok | {"install_date": None})),
        AssetFacts(6, "S6", **(ok | {"site_id": None, "model": ""})),
        AssetFacts(7, "S7", **(ok | {"warranty_end": date(2010, 1, 1)})),
        AssetFacts(8, "S8", **(ok | {"last_touched": date(2020, 5, 1)})),
    ]
    score, n, findings = data_health(assets, TODAY, stale_years=3)
    by_check = {f.check: f.asset_ids for f in findings}
    assert by_check == {
        "missing_serial": [2],
        "duplicate_serial": [3, 4],
        "missing_model": [6],
        "missing_install_date": [5],
        "warranty_before_install": [7],
        "missing_site": [6],
        "stale": [8],
    }
    assert n == 8
    assert score == round(100 * 1 / 8)  # only asset 1 is clean


def test_convert_sum_uses_rate_of_the_day() -> None:
    rates = {"USD": [(date(2026, 1, 1), 0.9), (date(2026, 6, 1), 0.8)]}
    amounts = [
        (100_00, "USD", date(2026, 3, 1)),
        (100_00, "USD", date(2026, 7, 1)),
        (50_00, "EUR", date(2026, 7, 1)),
        (10_00, "JPY", date(2026, 7, 1)),
    ]
    total, missing = convert_sum(amounts, rates, "EUR")
    assert total == 90_00 + 80_00 + 50_00
    assert missing == ["JPY"]


dates = st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2035, 1, 1)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    warranty=dates,
    contract=dates,
    coverage=st.sampled_from(["none", "maintenance", "full_service"]),
)
def test_sql_coverage_status_matches_the_rule(session, warranty, contract, coverage) -> None:  # type: ignore[no-untyped-def]
    account = b.account(session)
    asset = b.asset(
        session, account, warranty_end=warranty, contract_end=contract, coverage=coverage
    )
    in_sql = session.scalar(select(repo.coverage_status_sql(TODAY)).where(Asset.id == asset.id))
    assert in_sql == coverage_status(warranty, coverage, contract, TODAY).value
