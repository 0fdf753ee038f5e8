"""A telemetry gap's time is unknown: neither up nor down, it lowers coverage.

The worked case of test_contract_money (machine S-A, April 2026, 720 h: 692 h up, 20 h down in
four 5-h stops, 8 h planned; 97.1910 %, −161.80 EUR) with a simulated outage: the listener
stored a sequence gap from 14 April 13:00 to 18:00 (5 h in the middle of uptime). By hand:
uptime 692 − 5 = 687 h, downtime 20 h, known 720 − 5 = 715 h (coverage 99.3056 %);
availability 687 / 707 = 97.171146 % → 97.1711 %; 0.8289 points below 98 % → 828 steps of
0.001 point × 0.002 % = 1.656 % of 10,000.00 EUR = −165.60 EUR.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import pyarrow as pa
import pytest

from servitize.contracts import report as rp
from servitize.contracts import service as contracts
from servitize.contracts.report_files import report_pdf
from servitize.telemetry import availability as av
from servitize.telemetry.availability import month_period
from servitize.telemetry.frames import quiet, to_arrow
from servitize.telemetry.service import Options, compute, status_from_table
from servitize.telemetry.store import Batch, TelemetryStore
from tests.contracts.test_contract_money import AT, PASSWORD, World, build
from tests.contracts.test_report_files import _text
from tests.telemetry.helpers import us, utc
from tests.web.conftest import log_in

APRIL = month_period("2026-04")


def outage(store: TelemetryStore, serial: str, start: str, end: str, missing: int) -> None:
    """What the listener stores when a machine's sequence number jumps by ``missing + 1``."""
    batch = Batch()
    batch.add_gap(
        serial, us(start), us(end), "sequence", missing, "simulated outage", us(end), "mqtt"
    )
    store.write(batch)


@pytest.fixture
def world(session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    w = build(session, tmp_path)
    outage(w.store, w.sa.serial or "", "2026-04-14T13:00", "2026-04-14T18:00", 300)
    return w


@pytest.mark.slow  # availability through every path: service, report, PDF, CSV, API
def test_a_gap_in_uptime_is_unknown_time_on_every_path(
    client, session, world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    result = contracts.evaluate(session, world.store, world.contract, APRIL, at=AT)
    [asset] = result.assets
    assert (
        asset["uptime_hours"],
        asset["downtime_hours"],
        asset["known_hours"],
        asset["failures"],
    ) == (687, 20, 715, 4)
    assert (result.measured_pct, result.coverage_pct) == (97.1711, 99.3056)
    assert (result.band, result.amount) == ("penalty", Decimal("-165.60"))
    [row] = compute(session, world.store, APRIL, Options(at=AT), serials=[world.sa.serial or ""])
    assert (row["known_hours"], row["coverage"]) == (715, pytest.approx(715 / 720, abs=1e-6))
    r = rp.build_report(session, world.store, world.contract, "2026-04", 1, at=AT)
    assert (r.result.availability_pct, r.result.amount) == (97.1711, Decimal("-165.60"))
    assert r.telemetry_gaps == [
        (
            f"{world.sa.serial}: telemetry gap 2026-04-14 13:00–18:00 "
            "(300 readings missing), counted as unknown; a stop in progress stays down"
        )
    ]
    pdf = _text(report_pdf(r, compress=False))
    assert b"-165.60 EUR" in pdf and b"counted as unknown" in pdf
    [csv_row] = rp.availability_rows(
        rp.tables(session, world.store, world.contract, ["2026-04"], AT)[0]
    )
    values = dict(zip(rp.AVAILABILITY_COLUMNS, csv_row, strict=True))
    assert (values["availability_pct"], values["amount"]) == (97.1711, Decimal("-165.60"))
    # the availability API counts the gap the same way
    from servitize.trust.passwords import hash_password

    world.owner.password_hash = hash_password(PASSWORD)
    session.flush()
    client.app.state.settings = client.app.state.settings.model_copy(update={"data_dir": tmp_path})
    log_in(client, world.owner.username, PASSWORD)
    answer = client.get(
        "/api/v1/availability?month=2026-04", headers={"accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    [api] = [a for a in answer.json()["assets"] if a["serial"] == world.sa.serial]
    assert (api["uptime_hours"], api["known_hours"]) == (687, 715)


def test_a_gap_can_make_a_month_not_measurable(session, world: World) -> None:  # type: ignore[no-untyped-def]
    world.contract.min_coverage_pct = 99.5  # 99.3056 % known is below it
    session.flush()
    result = contracts.evaluate(session, world.store, world.contract, APRIL, at=AT)
    assert (result.band, result.amount) == ("not_measurable", Decimal(0))
    assert result.result == "not measurable: 99 % of hours known"


@pytest.mark.slow  # availability computed for several contracts
def test_a_gap_during_a_stop_follows_the_contracts_rule_for_silence_after_down(
    session, world: World
) -> None:  # type: ignore[no-untyped-def]
    """A second gap, 3 April 01:00–03:00, inside the stop of 3 April 00:00–05:00. By default a
    silent stop stays down: the stop still counts 5 h (downtime 20 h, known 715 h). With
    silence after down "unknown" the stop ends where the gap begins: 1 h down, 01:00–05:00
    unknown; downtime 16 h, known 711 h, still four failures; 687 / 703 = 97.7240 %."""
    outage(world.store, world.sa.serial or "", "2026-04-03T01:00", "2026-04-03T03:00", 120)
    serials = [world.sa.serial or ""]
    [down] = compute(session, world.store, APRIL, Options(at=AT), serials=serials)
    assert (
        down["uptime_hours"],
        down["downtime_hours"],
        down["known_hours"],
        down["failures"],
    ) == (687, 20, 715, 4)
    [unknown] = compute(
        session, world.store, APRIL, Options(at=AT, silence_after_down="unknown"), serials=serials
    )
    assert (
        unknown["uptime_hours"],
        unknown["downtime_hours"],
        unknown["known_hours"],
        unknown["failures"],
    ) == (687, 16, 711, 4)
    world.contract.silence_after_down = "unknown"
    session.flush()
    result = contracts.evaluate(session, world.store, world.contract, APRIL, at=AT)
    assert result.measured_pct == 97.7240
    [stop] = [e for e in result.evidence if e["start"] == utc("2026-04-03T00:00")]
    assert stop["end"] == utc("2026-04-03T01:00")


def test_the_pure_path_cuts_gaps_the_same_way() -> None:
    """One day: running from 00:00, down 12:00–14:00, running until the last event at 24:00; a gap
    02:00–05:00 in uptime and one 13:00–15:00 across the stop's end. Default rule: up 24 − 2 − 3 − 1
    (14:00–15:00) = 18 h, down 2 h, known 20 h. "unknown": the stop ends at 13:00, down 1 h, known 19 h."""
    ts = [
        utc(t)
        for t in ("2026-04-01T00:00", "2026-04-01T12:00", "2026-04-01T14:00", "2026-04-02T00:00")
    ]
    con = ibis.duckdb.connect()
    status = status_from_table(
        con,
        pa.table(
            {"serial": ["M"] * 4, "ts": ts, "state": ["running", "down", "running", "running"]}
        ),
    )
    with quiet():
        gaps = con.create_table(
            "g",
            pa.table(
                {
                    "serial": ["M", "M"],
                    "gs": [utc("2026-04-01T02:00"), utc("2026-04-01T13:00")],
                    "ge": [utc("2026-04-01T05:00"), utc("2026-04-01T15:00")],
                },
                schema=av.GAPS,
            ),
        )
    day = av.Period(ts[0], ts[-1])
    [row] = to_arrow(av.availability(status, day, gaps=gaps)).to_pylist()
    assert (row["uptime_hours"], row["downtime_hours"], row["known_hours"], row["failures"]) == (
        18,
        2,
        20,
        1,
    )
    [row] = to_arrow(
        av.availability(status, day, gaps=gaps, silence_after_down="unknown")
    ).to_pylist()
    assert (row["uptime_hours"], row["downtime_hours"], row["known_hours"], row["failures"]) == (
        18,
        1,
        19,
        1,
    )
    con.disconnect()
