"""Append-only Parquet store: re-delivered readings are stored once (read and compaction)."""

from __future__ import annotations

import ibis

from servitize.telemetry.frames import to_arrow
from servitize.telemetry.store import TelemetryStore
from tests.telemetry.helpers import write_status

EVENTS = [
    ("A", "2026-10-01T00:00", "running"),
    ("A", "2026-10-02T00:00", "down"),
    ("A", "2026-11-01T00:00", "running"),
]


def test_redelivery_is_stored_once_and_partitioned_by_month(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    write_status(store, EVENTS)
    write_status(store, EVENTS[:2], received="2026-11-02T00:00")  # the broker delivered again
    assert store.months("status") == ["2026-10", "2026-11"]
    assert store.arrow("status").num_rows == 5  # as stored
    con = ibis.duckdb.connect()
    assert to_arrow(store.table(con, "status")).num_rows == 3  # as read
    assert store.compact("status", "2026-10") == 2
    assert store.compact("status", "2026-10") == 2  # idempotent
    assert store.arrow("status").num_rows == 3  # November still holds its fresh part file
    assert store.needs_dedupe("status")
    store.compact("status", "2026-11")
    assert store.arrow("status").num_rows == 3
    assert not store.needs_dedupe("status")
    rows = to_arrow(store.table(con, "status").order_by("ts")).to_pylist()
    assert [r["state"] for r in rows] == ["running", "down", "running"]


def test_same_instant_different_state_are_two_readings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    write_status(store, [("A", "2026-10-01T00:00", "running"), ("A", "2026-10-01T00:00", "down")])
    assert to_arrow(store.table(ibis.duckdb.connect(), "status")).num_rows == 2
