"""Pure ingest rules and scheduled-time calendars."""

from __future__ import annotations

from datetime import UTC, datetime

from servitize.telemetry import rules
from servitize.telemetry.rules import Reason
from tests.telemetry.helpers import us

NOW = us("2026-10-15T12:00")


def reasons(kind: str, payload: bytes) -> list[str]:
    return [
        r.reason if isinstance(r, rules.Rejected) else "ok"
        for r in rules.message(kind, "S1", payload, NOW)
    ]


def test_topics() -> None:
    assert rules.split_topic("servitize/acme/S1/status") == ("acme", "S1", "status")
    assert rules.split_topic("servitize/acme/S1/other") is None
    assert rules.split_topic("servitize/acme//measure") is None


def test_payloads_and_dead_letter_reasons() -> None:
    assert reasons("status", b'{"ts":"2026-10-01T00:00:00Z","state":"down","reason":"E17"}') == [
        "ok"
    ]
    assert reasons(
        "measure",
        b'[{"ts":"2026-10-01T00:00:00+02:00","metric":"kwh","value":"1.5"},'
        b'{"ts":"2026-10-01T00:00:00","metric":"kwh","value":"x"}]',
    ) == ["ok", Reason.non_numeric_value]
    assert reasons("status", b"{not json") == [Reason.malformed_json]
    assert reasons("status", b'{"ts":"2026-10-01T00:00:00Z","state":"exploded"}') == [
        Reason.unknown_state
    ]
    assert reasons("status", b'{"ts":"2027-01-01T00:00:00Z","state":"down"}') == [
        Reason.future_timestamp
    ]
    assert reasons("status", b'{"ts":"yesterday","state":"down"}') == [Reason.bad_timestamp]
    assert reasons("measure", b'{"ts":"2026-10-01T00:00:00Z","metric":"t","value":NaN}') == [
        Reason.non_numeric_value
    ]
    assert reasons("measure", b'{"ts":"2026-10-01T00:00:00Z","metric":"t","value":true}') == [
        Reason.non_numeric_value
    ]
    assert reasons("measure", b'{"ts":"2026-10-01T00:00:00Z","value":1}') == [Reason.missing_field]
    assert reasons("status", b"42") == [Reason.not_an_object]


def test_offsets_become_utc() -> None:
    [m] = rules.message(
        "measure", "S1", b'{"ts":"2026-10-01T02:00:00+02:00","metric":"t","value":1}', NOW
    )
    assert isinstance(m, rules.Measure) and m.ts_us == us("2026-10-01T00:00")


def test_shift_calendar() -> None:
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    assert rules.calendar_windows({"kind": "24/7"}, start, end) is None
    windows = rules.calendar_windows(
        {"kind": "shifts", "weekdays": [0, 1, 2, 3, 4], "start": "06:00", "end": "22:00"},
        start,
        end,
    )
    assert windows is not None
    # October 2026 has 22 weekdays, 16 h each
    assert sum((e - s).total_seconds() for s, e in windows) / 3600 == 22 * 16
    night = rules.calendar_windows(
        {"kind": "shifts", "weekdays": [4], "start": "22:00", "end": "06:00"}, start, end
    )
    assert night is not None and night[0] == (
        datetime(2026, 10, 2, 22, tzinfo=UTC),
        datetime(2026, 10, 3, 6, tzinfo=UTC),
    )
