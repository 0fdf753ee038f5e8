"""A telemetry outage shows on the contract report as a gap line."""

from __future__ import annotations

import pytest

from servitize.contracts import report
from servitize.telemetry.store import Batch
from tests.contracts.report_world import AT, build
from tests.telemetry.helpers import us


@pytest.mark.slow  # the report built on every path
def test_an_outage_shows_as_a_gap_on_the_contract_report(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = build(session, tmp_path)
    serial = world.asset.serial
    before = report.build_report(session, world.store, world.contract, "2026-10", 1, at=AT)
    assert before.telemetry_gaps == []
    # what the listener stores when sequence 41 follows 35: readings 36..40 never arrived
    batch = Batch()
    batch.add_gap(
        serial,
        us("2026-10-05T14:02"),
        us("2026-10-05T14:07"),
        "sequence",
        5,
        "35 then 41",
        us("2026-10-05T14:07"),
        "mqtt",
    )
    batch.add_gap(
        "OTHER-CUSTOMER",
        us("2026-10-06T10:00"),
        us("2026-10-06T11:00"),
        "sequence",
        60,
        "",
        us("2026-10-06T11:00"),
        "mqtt",
    )
    world.store.write(batch)
    after = report.build_report(session, world.store, world.contract, "2026-10", 1, at=AT)
    assert after.telemetry_gaps == [
        (
            f"{serial}: telemetry gap 2026-10-05 14:02–14:07 (5 readings missing), "
            "counted as unknown; a stop in progress stays down"
        )
    ]
    september = report.build_report(session, world.store, world.contract, "2026-09", 1, at=AT)
    assert september.telemetry_gaps == []
