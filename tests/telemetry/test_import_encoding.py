"""A telemetry file with one byte that is not UTF-8 (or a NUL byte) rejects that row, not the file."""

from __future__ import annotations

import csv

import pytest

from servitize.telemetry.importing import TelemetryFileError, import_file
from servitize.telemetry.store import TelemetryStore

HEADER = b"serial,ts,state,reason,metric,value,unit\n"
ROWS = (
    b"M1,2026-10-01T00:00:00Z,running,,,,\n"
    b"M1,2026-10-01T01:00:00Z,down,Getriebe \xfc,,,\n"  # latin-1 "\xfc": not UTF-8
    b"M1,2026-10-01T02:00:00Z,running,a\x00b,,,\n"  # a NUL byte
    b"M1,2026-10-01T03:00:00Z,,,energy_kwh,3.5,kWh\n"
)


def test_a_bad_byte_rejects_its_row_and_the_rest_lands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "readings.csv"
    path.write_bytes(HEADER + ROWS)
    store = TelemetryStore(tmp_path / "store")
    result = import_file(path, store, {"M1"})
    # by hand: lines 2 and 5 are good; line 3 has byte 0xfc, line 4 a NUL byte
    assert (result.read, result.landed, result.rejected) == (4, 2, 2)
    assert result.reasons == {"unreadable": 2}
    assert store.arrow("status").num_rows == 1 and store.arrow("measure").num_rows == 1
    with open(result.rejects_file or "", newline="", encoding="utf-8") as f:
        rejects = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in rejects] == [("3", "unreadable"), ("4", "unreadable")]
    assert "0xfc" in rejects[0]["detail"] and rejects[0]["state_reason"] == "Getriebe \\xfc"
    assert "NUL" in rejects[1]["detail"] and rejects[1]["state_reason"] == "a\\x00b"


def test_the_files_encoding_can_be_given(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "readings.csv"
    path.write_bytes(HEADER + ROWS)
    store = TelemetryStore(tmp_path / "store")
    result = import_file(path, store, {"M1"}, encoding="latin-1")
    assert (result.read, result.landed, result.rejected) == (
        4,
        3,
        1,
    )  # "ü" is text in latin-1; NUL is not
    assert "Getriebe ü" in store.arrow("status").column("reason").to_pylist()
    with pytest.raises(TelemetryFileError, match="unknown encoding"):
        import_file(path, store, {"M1"}, encoding="no-such-encoding")


def test_a_header_that_is_not_text_makes_the_file_unreadable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "readings.csv"
    path.write_bytes(b"serial,ts,st\xffate\n" + ROWS[:36])
    with pytest.raises(TelemetryFileError, match="header is not utf-8 text"):
        import_file(path, TelemetryStore(tmp_path / "store"), {"M1"})


def test_a_row_with_more_values_than_the_header_is_rejected_not_a_crash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "readings.csv"
    path.write_text(
        "serial,ts,state\nM1,2026-10-01T00:00:00Z,running,extra,more\nM1,2026-10-01T01:00:00Z,down\n"
    )
    result = import_file(path, TelemetryStore(tmp_path / "store"), {"M1"})
    assert (result.read, result.landed, result.rejected) == (2, 1, 1)  # AttributeError before
    assert result.reasons == {"unreadable": 1}
