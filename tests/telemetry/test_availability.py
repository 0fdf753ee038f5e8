"""Availability by hand, on DuckDB and on PostgreSQL with the same Ibis expression."""

from __future__ import annotations

from datetime import timedelta

import ibis
import pyarrow as pa
import pytest

from servitize.telemetry.availability import (
    availability,
    month_period,
    overlay,
    status_intervals,
    summarize,
)
from servitize.telemetry.downtime import TS
from servitize.telemetry.frames import to_arrow
from servitize.telemetry.service import status_from_table
from tests.servers import port_open, require
from tests.telemetry.helpers import OCTOBER, status_table, utc

OCT = month_period("2026-10")
HORIZON = timedelta(days=10)
# By hand, October 2026 = 744 h: down 6 h (10th) + 2 h (31st, split at the month's end) = 8 h,
# planned 4 h, idle 24 h, running 744 - 8 - 4 - 24 = 708 h, uptime 732 h.
EXPECTED_A = {
    "uptime_hours": 732.0,
    "running_hours": 708.0,
    "downtime_hours": 8.0,
    "planned_maintenance_hours": 4.0,
    "known_hours": 744.0,
    "failures": 2,
    "availability": 732 / 740,
    "mtbf_hours": 366.0,
    "mttr_hours": 4.0,
}
PARTIAL = [
    ("C", "2026-10-20T00:00", "running"),
    ("C", "2026-10-25T00:00", "down"),
    ("C", "2026-10-25T12:00", "down"),
    ("C", "2026-10-26T00:00", "running"),
]
# C: known from the 20th to its last event on the 26th (6 days = 144 h; a state never holds past
# the machine's newest reading): one stop of 24 h (the repeated down is no new stop).


def rows(
    con: ibis.BaseBackend, events: list[tuple[str, str, str]], **kw: object
) -> dict[str, dict]:
    table = status_from_table(con, status_table(events))
    out = to_arrow(availability(table, OCT, horizon=HORIZON, **kw)).to_pylist()  # type: ignore[arg-type]
    return {r["serial"]: r for r in out}


def check_a(r: dict) -> None:
    for key, value in EXPECTED_A.items():
        assert r[key] == pytest.approx(value), key


def test_hand_computed_month_on_duckdb() -> None:
    result = rows(ibis.duckdb.connect(), OCTOBER + PARTIAL)
    check_a(result["A"])
    c = result["C"]
    assert c["known_hours"] == 144 and c["downtime_hours"] == 24 and c["failures"] == 1
    assert c["availability"] == pytest.approx(120 / 144)
    assert c["coverage"] == pytest.approx(144 / 744)


def test_no_data_in_period_is_unknown() -> None:
    old = [("B", "2026-08-01T00:00", "running")]  # older than the horizon: nothing known in October
    assert "B" not in rows(ibis.duckdb.connect(), old)


def test_excluded_record_overrides_status() -> None:
    con = ibis.duckdb.connect()
    table = status_from_table(con, status_table(OCTOBER))
    # customer-caused: 10th 03:00-08:00 excluded: 3 h of the 6 h stop and 2 h of running leave
    records = pa.table(
        {
            "serial": ["A"],
            "state": ["excluded"],
            "s": pa.array([utc("2026-10-10T03:00")], TS),
            "e": pa.array([utc("2026-10-10T08:00")], TS),
        }
    )
    r = summarize(overlay(status_intervals(table, OCT, HORIZON), ibis.memtable(records)), OCT)
    [a] = to_arrow(r).to_pylist()
    assert a["downtime_hours"] == 5 and a["excluded_hours"] == 5 and a["uptime_hours"] == 730
    assert a["failures"] == 2 and a["availability"] == pytest.approx(730 / 735)


def test_shift_calendar_counts_only_scheduled_time() -> None:
    con = ibis.duckdb.connect()
    events = [
        ("S", "2026-10-05T00:00", "running"),
        ("S", "2026-10-05T20:00", "down"),
        ("S", "2026-10-06T08:00", "running"),
        ("S", "2026-10-07T00:00", "running"),
    ]
    table = status_from_table(con, status_table(events))
    windows = pa.table(
        {
            "ws": pa.array([utc("2026-10-05T06:00"), utc("2026-10-06T06:00")], TS),
            "we": pa.array([utc("2026-10-05T22:00"), utc("2026-10-06T22:00")], TS),
        }
    )
    [r] = to_arrow(summarize(status_intervals(table, OCT, HORIZON), OCT, windows)).to_pylist()
    # scheduled 32 h; down 20-22 on the 5th and 06-08 on the 6th = 4 h; one stop
    assert r["scheduled_hours"] == 32 and r["downtime_hours"] == 4 and r["uptime_hours"] == 28
    assert r["failures"] == 1


@pytest.mark.postgres
def test_same_expression_on_postgres_gives_the_same_numbers() -> None:
    require(port_open("127.0.0.1", 5432), "PostgreSQL")
    pg = ibis.postgres.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        on_pg = rows(pg, OCTOBER + PARTIAL)
    finally:
        pg.disconnect()
    on_duck = rows(ibis.duckdb.connect(), OCTOBER + PARTIAL)
    check_a(on_pg["A"])
    assert on_pg.keys() == on_duck.keys()
    for serial in on_duck:
        for key, value in on_duck[serial].items():
            assert on_pg[serial][key] == pytest.approx(value), (serial, key)
