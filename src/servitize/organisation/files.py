"""The influence matrix as a CSV or XLSX file, both ways.

One sheet: the first row names the variables (after a corner cell), each further row is one
variable (its name first, the same order) with its cells as written (``2``, ``-1s``, ``0``).
Reading checks the layout here and the cells with ``rules.check_matrix``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from servitize.core.errors import InvalidInput
from servitize.organisation.rules import Matrix, as_text

CORNER = "effect of row on column"
MAX_BYTES = 2_000_000


def to_csv(variables: Sequence[str], matrix: Matrix) -> str:
    """The matrix as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([CORNER, *variables])
    for name, row in zip(variables, as_text(matrix), strict=True):
        writer.writerow([name, *row])
    return out.getvalue()


def to_xlsx(variables: Sequence[str], matrix: Matrix, title: str = "matrix") -> bytes:
    """The matrix as an XLSX workbook of one sheet (cells as text, so ``-1s`` stays)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (title or "matrix")[:31].replace("/", "-")
    sheet.append([CORNER, *variables])
    for name, row in zip(variables, as_text(matrix), strict=True):
        sheet.append([name, *row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _split(rows: list[list[object]]) -> tuple[list[str], list[list[object]]]:
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise InvalidInput("file: a header of variables and one row per variable are needed")
    header = [str(c).strip() for c in rows[0][1:] if c not in (None, "")]
    body = rows[1:]
    names = [str(r[0]).strip() if r and r[0] is not None else "" for r in body]
    if names != header:
        raise InvalidInput(
            "file: the rows must name the same variables as the header, in the same order "
            f"(header: {', '.join(header)}; rows: {', '.join(names)})"
        )
    return header, [list(r[1 : len(header) + 1]) for r in body]


def read_csv(data: bytes) -> tuple[list[str], list[list[object]]]:
    """Variables and raw cells from CSV bytes (UTF-8, comma or semicolon)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"file: larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file: not UTF-8 text") from None
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=dialect)]
    return _split(rows)


def read_xlsx(data: bytes) -> tuple[list[str], list[list[object]]]:
    """Variables and raw cells from the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise InvalidInput(f"file: larger than {MAX_BYTES} bytes")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a corrupt or foreign file: openpyxl raises many kinds
        raise InvalidInput("file: not an XLSX workbook") from None
    sheet = book.worksheets[0]
    rows: list[list[object]] = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return _split(rows)


def read(data: bytes, filename: str) -> tuple[list[str], list[list[object]]]:
    """By the file's ending: .xlsx, else CSV."""
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)
