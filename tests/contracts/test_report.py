"""The report model: its numbers equal the hand-computed ones of tests/contracts/report_world.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servitize.contracts import report
from servitize.core.errors import InvalidInput, NotFound
from tests.contracts.report_world import AT, OCT_AVAILABILITY, SEP_AVAILABILITY, World, build
from tests.telemetry.helpers import utc


@pytest.fixture
def world(session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return build(session, tmp_path)


def test_report_numbers_equal_the_hand_computed_ones(session, world: World) -> None:  # type: ignore[no-untyped-def]
    r = report.build_report(session, world.store, world.contract, "2026-10", 3, at=AT)
    assert (r.account, r.account_manager, r.contract, r.month) == (
        "Nordwerk Pressen GmbH",
        "Olga Owner",
        world.contract.external_id,
        "2026-10",
    )
    assert [m.month for m in r.trend] == ["2026-08", "2026-09", "2026-10"]
    aug, sep, octo = r.trend
    assert (aug.in_force, aug.band, aug.availability_pct) == (False, "not_in_force", None)
    assert sep.availability_pct == pytest.approx(SEP_AVAILABILITY, abs=1e-4)
    assert (sep.band, sep.amount, sep.failures, sep.downtime_hours) == (
        "on_target",
        Decimal(0),
        1,
        12.0,
    )
    assert octo == r.result
    assert octo.availability_pct == pytest.approx(OCT_AVAILABILITY, abs=1e-4)
    assert (octo.band, octo.steps, octo.fee_pct, octo.amount) == (
        "penalty",
        2,
        -4.0,
        Decimal("-400.00"),
    )
    assert (
        octo.uptime_hours,
        octo.downtime_hours,
        octo.planned_maintenance_hours,
        octo.excluded_hours,
        octo.failures,
    ) == (714.0, 24.0, 4.0, 2.0, 1)
    # the evidence: one stop of 24 h (reported twice), the maintenance, the excluded record
    assert [(s.state, s.start, s.hours_in_month, s.source) for s in r.downtime] == [
        ("down", utc("2026-10-05T00:00"), 24.0, "status"),
        ("planned_maintenance", utc("2026-10-20T08:00"), 4.0, "status"),
        ("excluded", utc("2026-10-25T00:00"), 2.0, "record"),
    ]
    assert r.downtime[2].cause == "power cut on the customer's side"
    [asset] = r.assets
    assert (asset.serial, asset.model, asset.operating_hours, asset.energy_kwh) == (
        world.asset.serial,
        "PX-400",
        714.0,
        620.0,
    )
    assert (r.operating_hours, r.energy_kwh) == (714.0, 620.0)
    assert r.kwh_per_operating_hour == pytest.approx(620 / 714, abs=1e-6)
    assert r.fee == Decimal("10000.00") and r.bands["target_pct"] == 98.0


def test_usage_and_energy_only_where_consent_allows(session, world: World) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry import consent
    from servitize.telemetry.models import DataSharingAgreement
    from tests.contracts.report_world import ACTOR

    [agreement] = session.query(DataSharingAgreement).filter_by(account_id=world.account.id).all()
    consent.revoke(session, ACTOR, agreement.id, at=utc("2026-11-01T00:00"))
    consent.record_agreement(
        session,
        ACTOR,
        world.account.id,
        ["status"],
        ["contract_verification"],
        utc("2026-11-01T00:00"),
    )
    r = report.build_report(session, world.store, world.contract, "2026-10", 1, at=AT)
    assert r.result.availability_pct == pytest.approx(OCT_AVAILABILITY, abs=1e-4)
    assert (r.usage_shared, r.energy_shared, r.operating_hours, r.energy_kwh) == (
        False,
        False,
        None,
        None,
    )
    assert r.assets[0].operating_hours is None and r.assets[0].energy_kwh is None


def test_tables_for_any_window_and_access(session, world: World) -> None:  # type: ignore[no-untyped-def]
    results, stops = report.tables(
        session, world.store, world.contract, report.month_range("2026-09", "2026-10"), at=AT
    )
    assert [r.band for r in results] == ["on_target", "penalty"]
    assert [s.month for s in stops] == ["2026-09", "2026-10", "2026-10", "2026-10"]
    assert report.availability_rows(results)[1][:5] == [
        "2026-10",
        True,
        results[1].availability_pct,
        98.0,
        "penalty",
    ]
    assert report.visible_contract(session, world.owner, world.contract.id) is world.contract
    with pytest.raises(NotFound):
        report.visible_contract(session, world.stranger, world.contract.id)
    with pytest.raises(InvalidInput):
        report.month_range("2026-10", "2026-09")
    assert report.months_ending("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert report.axis([96.7, 98.3, None], 98.0) == (95.0, 99.0)
