"""A contract sold with a linear clause (or damages) settles October under that clause, on the
same telemetry as the step-band contract of report_world (714 h up, 24 h down)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servitize.contracts.service import evaluate
from servitize.telemetry.availability import month_period
from tests.contracts.report_world import AT, OCT_AVAILABILITY, World, build


@pytest.fixture
def world(session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return build(session, tmp_path)


def test_a_linear_clause_settles_the_month(session, world: World) -> None:  # type: ignore[no-untyped-def]
    # 714 / (714 + 24) = 96.7480 %; 98 − 96.748 = 1.252 points × 5 % = 6.26 % of 10,000.00
    assert round(OCT_AVAILABILITY, 4) == 96.748
    world.contract.clause = {
        "kind": "linear",
        "target_pct": "98",
        "pct_per_point": "5",
        "cap_pct": "30",
    }
    session.flush()
    r = evaluate(session, world.store, world.contract, month_period("2026-10"), at=AT)
    assert (r.band, r.amount) == ("penalty", Decimal("-626.00"))


def test_liquidated_damages_count_the_hours_below_target(session, world: World) -> None:  # type: ignore[no-untyped-def]
    # 744 scheduled hours (24/7, one machine) × 1.252 points = 9.31488 h × 50.00 = 465.744 → 465.74
    world.contract.clause = {
        "kind": "damages",
        "target_pct": "98",
        "per_hour_cents": 5_000,
        "cap_cents": 100_000,
    }
    session.flush()
    r = evaluate(session, world.store, world.contract, month_period("2026-10"), at=AT)
    assert (r.band, r.amount) == ("damages", Decimal("-465.74"))
