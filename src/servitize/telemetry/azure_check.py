"""The Azure PdM files checked before anything of them is stored.

``servitize import azure-pdm`` stopped with a traceback on one bad byte (or a missing file, a
column it needs, a time or number it cannot read, a machine that the machines file lacks), and
could by then have stored part of the data set. Every file is read first; the first fault
answers with the file, its line and the reason (exit 2), and nothing is stored.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from servitize.core.dates import check_date_in_range
from servitize.core.errors import InvalidInput
from servitize.core.file_text import readable, unstorable

MACHINES = "PdM_machines.csv"
# file → the columns the import reads (telemetry: the first PdM_telemetry*.csv, optional)
COLUMNS: dict[str, tuple[str, ...]] = {
    MACHINES: ("machineID", "model", "age"),
    "PdM_failures.csv": ("datetime", "machineID", "failure"),
    "PdM_maint.csv": ("datetime", "machineID", "comp"),
    "PdM_errors.csv": ("datetime", "machineID", "errorID"),
}
TELEMETRY = ("datetime", "machineID", "volt", "rotate", "pressure", "vibration")
KNOWN_MACHINES = ("PdM_failures.csv", "PdM_maint.csv")  # stops need the machine's record
DATA_YEAR = 2015  # the machines' age counts back from the data set's year (azure.import_dir)


def _time(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return f"{readable(value)!r} is not a date and time (YYYY-MM-DD HH:MM:SS)"
    return check_date_in_range(moment)


def _number(value: str) -> str | None:
    try:
        number = float(value)
    except ValueError:
        return f"{readable(value)!r} is not a number"
    return None if math.isfinite(number) else f"{value!r} is not a finite number"


def _age(value: str) -> str | None:
    try:
        age = int(value)
    except ValueError:
        return f"{readable(value)!r} is not a whole number of years"
    if not 0 <= age < DATA_YEAR:
        return f"{age} is not an age in years"
    reason = check_date_in_range(datetime(DATA_YEAR - age, 1, 1))  # the install year it gives
    return f"{age} years: installed {reason}" if reason else None


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV file, each value checked for bytes that are not text."""
    where = path.name
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames or []
            for number, name in enumerate(header, 1):
                reason = unstorable(name)
                if reason:
                    raise InvalidInput(f"{where}, line 1: the name of column {number} {reason}")
            missing = [c for c in columns if c not in header]
            if missing:
                raise InvalidInput(
                    f"{where}, line 1: no column {', '.join(missing)} "
                    f"(the header has {', '.join(map(readable, header)) or 'nothing'})"
                )
            for row in reader:
                for column in columns:
                    if row.get(column) is None:
                        raise InvalidInput(
                            f"{where}, line {reader.line_num}: no value for {column}"
                        )
                for column, value in row.items():  # extra values too: the import reads every byte
                    for text in value if isinstance(value, list) else [value or ""]:
                        reason = unstorable(text)
                        if reason:
                            raise InvalidInput(
                                f"{where}, line {reader.line_num}: "
                                f"{column or 'a value past the header'} {reason}"
                            )
                yield reader.line_num, row
        except csv.Error as exc:
            raise InvalidInput(f"{where}, line {reader.line_num}: {exc}") from None


def check_folder(folder: Path) -> None:
    """InvalidInput naming the file, line and reason of the first fault of the data set's files."""
    folder = Path(folder)
    for name in COLUMNS:
        if not (folder / name).is_file():
            raise InvalidInput(f"{folder} has no {name}")
    machines: set[str] = set()
    checks: dict[str, Callable[[str], str | None]] = {"datetime": _time, "age": _age}
    for line, row in _rows(folder / MACHINES, COLUMNS[MACHINES]):
        _check(MACHINES, line, row, checks)
        machines.add(row["machineID"])
    files = [(name, COLUMNS[name]) for name in COLUMNS if name != MACHINES]
    telemetry = next(iter(sorted(folder.glob("PdM_telemetry*.csv"))), None)
    if telemetry is not None:
        files.append((telemetry.name, TELEMETRY))
        checks |= dict.fromkeys(TELEMETRY[2:], _number)
    for name, columns in files:
        for line, row in _rows(folder / name, columns):
            _check(name, line, row, checks)
            if name in KNOWN_MACHINES and row["machineID"] not in machines:
                raise InvalidInput(
                    f"{name}, line {line}: machine {readable(row['machineID'])!r} "
                    f"is not in {MACHINES}"
                )


def _check(
    name: str, line: int, row: dict[str, str], checks: dict[str, Callable[[str], str | None]]
) -> None:
    for column, check in checks.items():
        if column in row:
            reason = check(row[column])
            if reason:
                raise InvalidInput(f"{name}, line {line}: {column} {reason}")
