"""Small builders for telemetry tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from servitize.telemetry.store import SCHEMAS, Batch, TelemetryStore


def utc(text: str) -> datetime:
    """A UTC datetime from ISO text without zone."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def us(text: str) -> int:
    """Microseconds since the epoch of ISO text (UTC)."""
    return int(utc(text).timestamp()) * 1_000_000


def status_table(events: list[tuple[str, str, str]]) -> pa.Table:
    """(serial, ts, state) rows as a status Arrow table."""
    n = len(events)
    return pa.table(
        {
            "serial": [e[0] for e in events],
            "ts": pa.array([utc(e[1]) for e in events], SCHEMAS["status"].field("ts").type),
            "state": [e[2] for e in events],
            "reason": pa.nulls(n, pa.string()),
            "received_at": pa.array(
                [utc("2026-11-01T00:00")] * n, SCHEMAS["status"].field("ts").type
            ),
            "source": ["test"] * n,
        },
        schema=SCHEMAS["status"],
    )


def write_status(
    store: TelemetryStore, events: list[tuple[str, str, str]], received: str = "2026-11-01T00:00"
) -> None:
    """Append status events to a store as one batch."""
    batch = Batch()
    for serial, ts, state in events:
        batch.add_status(serial, us(ts), state, None, us(received), "test")
    store.write(batch)


# Asset A in October 2026 (744 h), worked out by hand in test_availability.
OCTOBER = [
    ("A", "2026-09-30T22:00", "running"),
    ("A", "2026-10-10T00:00", "down"),
    ("A", "2026-10-10T06:00", "running"),
    ("A", "2026-10-15T00:00", "running"),  # a heartbeat: same state, no new stop
    ("A", "2026-10-20T00:00", "planned_maintenance"),
    ("A", "2026-10-20T04:00", "running"),
    ("A", "2026-10-25T00:00", "idle"),
    ("A", "2026-10-26T00:00", "running"),
    ("A", "2026-10-31T22:00", "down"),  # crosses into November: 2 h count in October
    ("A", "2026-11-01T02:00", "running"),
]
