"""The measures' tables as CSV and XLSX: the same cells as the page (formulas never live)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from servitize.core.cells import safe_cell, safe_row


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()) -> str:
    """Header, rows; then each note as a row of its own (method, period and currency)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(safe_row(row))
    for note in notes:
        writer.writerow(safe_row([note]))
    return out.getvalue()


def to_xlsx(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()
) -> bytes:
    """One sheet: a bold header, the rows (exact amounts as numbers), the notes below."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else safe_cell(v) for v in row])
    for note in notes:
        ws.append([safe_cell(note)])
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
