"""Telemetry timestamps (MQTT listener and file import) are judged by the shared date rule."""

from __future__ import annotations

from servitize.core.dates import check_date_in_range
from servitize.core.settings import Settings
from servitize.telemetry import cli_trust, rules
from servitize.telemetry.importing import import_file
from servitize.telemetry.store import TelemetryStore
from tests.telemetry.helpers import us, utc

NOW = us("2026-10-15T12:00")


def test_the_listener_and_the_import_use_the_settings_they_are_given(tmp_path) -> None:  # type: ignore[no-untyped-def]
    limits = cli_trust.limits(
        Settings(date_min_year=2000, date_max_year=2030)
    )  # what both paths are given
    [early] = rules.message(
        "status", "M1", b'{"ts":"1999-12-31T23:59:59Z","state":"down"}', NOW, limits
    )
    assert isinstance(early, rules.Rejected) and early.reason == "out_of_range_timestamp"
    # in the shared rule's words
    assert early.detail == check_date_in_range(utc("1999-12-31T23:59:59"), (2000, 2030))
    assert early.detail.endswith("is outside the accepted years 2000 to 2030")
    [ok] = rules.message(
        "status", "M1", b'{"ts":"2000-01-01T00:00:00Z","state":"down"}', NOW, limits
    )
    assert isinstance(ok, rules.Status)
    path = tmp_path / "t.csv"
    path.write_text(
        "serial,ts,state\nM1,1999-12-31T23:00:00Z,down\nM1,2000-01-01T00:00:00Z,running\n"
    )
    result = import_file(path, TelemetryStore(tmp_path / "store"), {"M1"}, limits=limits)
    assert (result.read, result.landed, result.reasons) == (2, 1, {"out_of_range_timestamp": 1})


def test_a_moment_in_utc_decides_the_year() -> None:
    # 1900-01-01T00:30+01:00 is 1899-12-31 23:30 UTC: outside 1900-2100
    [item] = rules.message(
        "status",
        "M1",
        b'{"ts":"1900-01-01T00:30:00+01:00","state":"down"}',
        NOW,
        rules.Limits(years=(1900, 2100)),
    )
    assert isinstance(item, rules.Rejected) and item.reason == "out_of_range_timestamp"
    # year 1 at +14:00 is before year 1 in UTC: rejected, never a crash
    [item] = rules.message(
        "status", "M1", b'{"ts":"0001-01-01T00:00:00+14:00","state":"down"}', NOW
    )
    assert isinstance(item, rules.Rejected) and item.reason == "out_of_range_timestamp"
