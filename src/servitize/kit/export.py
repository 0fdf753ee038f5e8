"""A list as a file: CSV or XLSX of exactly what the list shows, every page of it.

A list page builds its rows once as a ``Table`` (headings and cells) and answers it both ways:
``respond(table, "csv" | "xlsx", "accounts")``. The cells are the page's own values: text as
the page writes it (labels humanised by the same function), counts as integers, money as a
``Decimal`` amount in major units (the page's figure without its thousands separators) next to a
currency column, dates as dates. A spreadsheet then sums them; nothing is rounded twice.

Exports stop at ``EXPORT_MAX_ROWS`` rows and say so in a last row, rather than run out of
memory: a list that long wants a filter (or the API's paging).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from starlette.responses import Response

from servitize.core.errors import InvalidInput

Cell = str | int | Decimal | date | datetime | None
Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
EXPORT_MAX_ROWS = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """Headings and rows of cells: what a list shows, ready to write as a file."""

    headings: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    cut: bool = False  # more rows matched than EXPORT_MAX_ROWS


def amount(cents: int | None) -> Decimal | None:
    """Minor units as a Decimal in major units (12345.60 for 1234560), exactly."""
    return None if cents is None else Decimal(cents).scaleb(-2)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell)


def csv_bytes(table: Table) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark (spreadsheets then read accents)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow([_text(c) for c in row])
    if table.cut:
        writer.writerow([f"(the first {EXPORT_MAX_ROWS:,} rows; filter the list for the rest)"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _naive(cell: Cell) -> Cell:
    """A moment as Excel keeps it: UTC without a zone (Excel has no time zones)."""
    if isinstance(cell, datetime) and cell.tzinfo is not None:
        return cell.astimezone(UTC).replace(tzinfo=None)
    return cell


def xlsx_bytes(table: Table, title: str = "List") -> bytes:
    """The table as an XLSX workbook: one sheet, a bold heading row, numbers as numbers."""
    from openpyxl import Workbook  # loaded only when someone exports
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(table.headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_naive(c) for c in row])
    for column, _heading in enumerate(table.headings, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    if table.cut:
        sheet.append([f"(the first {EXPORT_MAX_ROWS:,} rows; filter the list for the rest)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def respond(table: Table, fmt: str, name: str) -> Response:
    """The table as a download named ``name.csv`` or ``name.xlsx``."""
    if fmt == "csv":
        body, media = csv_bytes(table), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, media = xlsx_bytes(table, name), XLSX_TYPE
    else:
        raise InvalidInput(f"format: must be csv or xlsx, not {fmt!r}")
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
