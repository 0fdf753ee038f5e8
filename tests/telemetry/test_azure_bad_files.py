"""``servitize import azure-pdm`` on faulty files: the file, its line and the reason, exit 2,
and nothing stored (it stopped with a traceback on a bad byte, part of the data set stored)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from servitize.core.errors import InvalidInput
from servitize.telemetry.azure_check import check_folder

GOOD = {
    "PdM_machines.csv": b'"machineID","model","age"\n1,"model3",18\n2,"model4",7\n',
    "PdM_failures.csv": b'"datetime","machineID","failure"\n2015-01-05 06:00:00,1,"comp4"\n',
    "PdM_maint.csv": b'"datetime","machineID","comp"\n2014-06-01 06:00:00,1,"comp2"\n'
    b'2015-01-05 06:00:00,1,"comp4"\n',
    "PdM_errors.csv": b'"datetime","machineID","errorID"\n2015-01-03 07:00:00,2,"error1"\n',
    "PdM_telemetry.csv": b"datetime,machineID,volt,rotate,pressure,vibration\n"
    b"2015-01-01 06:00:00,1,176.2,418.5,113.1,45.1\n"
    b"2015-01-01 07:00:00,2,162.9,402.7,95.5,43.4\n",
}


def _folder(tmp_path: Path, **changed: bytes) -> Path:
    folder = tmp_path / "pdm"
    folder.mkdir(exist_ok=True)
    for name, data in (GOOD | {k.replace("__", "."): v for k, v in changed.items()}).items():
        (folder / name).write_bytes(data)
    return folder


def test_the_good_files_pass_the_check(tmp_path: Path) -> None:
    check_folder(_folder(tmp_path))


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (
            {
                "PdM_telemetry__csv": GOOD["PdM_telemetry.csv"]
                + b"2015-01-01 08:00:00,1,17\xff.2,418.5,113.1,45.1\n"
            },
            "PdM_telemetry.csv, line 4: volt has byte 0xff, which is not text",
        ),
        (
            {
                "PdM_failures__csv": GOOD["PdM_failures.csv"]
                + b'2015-02-05 06:00:00,2,"comp\x001"\n'
            },
            "PdM_failures.csv, line 3: failure holds a NUL byte",
        ),
        (
            {"PdM_machines__csv": b'"machineID","model","age"\n1,"model3",18,\xe9\n2,"model4",7\n'},
            "PdM_machines.csv, line 2: a value past the header has byte 0xe9",
        ),
        (
            {"PdM_maint__csv": GOOD["PdM_maint.csv"] + b'2015-13-05 06:00:00,1,"comp2"\n'},
            "PdM_maint.csv, line 4: datetime '2015-13-05 06:00:00' is not a date and time",
        ),
        (
            {
                "PdM_errors__csv": b'"datetime","machine","errorID"\n2015-01-03 07:00:00,2,"error1"\n'
            },
            "PdM_errors.csv, line 1: no column machineID",
        ),
        (
            {"PdM_failures__csv": GOOD["PdM_failures.csv"] + b'2015-02-05 06:00:00,7,"comp1"\n'},
            "PdM_failures.csv, line 3: machine '7' is not in PdM_machines.csv",
        ),
        (
            {
                "PdM_telemetry__csv": GOOD["PdM_telemetry.csv"]
                + b"2015-01-01 08:00:00,1,nan,418.5,113.1,45.1\n"
            },
            "PdM_telemetry.csv, line 4: volt 'nan' is not a finite number",
        ),
        (
            {"PdM_machines__csv": b'"machineID","model","age"\n1,"model3",-4\n'},
            "PdM_machines.csv, line 2: age -4 is not an age in years",
        ),
    ],
)
def test_a_faulty_file_is_named_with_its_line_and_nothing_is_stored(
    tmp_path, own_database_url, monkeypatch, changed, expected
) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path, **changed)
    with pytest.raises(InvalidInput) as err:
        check_folder(folder)
    assert err.value.message.startswith(expected), err.value.message
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    engine = make_engine(own_database_url)
    with engine.connect() as conn:
        accounts = conn.exec_driver_sql("SELECT count(*) FROM account").scalar()
    result = CliRunner().invoke(app, ["import", "azure-pdm", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert expected in " ".join(result.output.split())
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM account").scalar() == accounts
    engine.dispose()
    assert not (tmp_path / "var" / "telemetry").exists() or not any(
        (tmp_path / "var" / "telemetry").rglob("*.parquet")
    )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "PdM_maint.csv").unlink()
    with pytest.raises(InvalidInput, match=r"has no PdM_maint\.csv"):
        check_folder(folder)
