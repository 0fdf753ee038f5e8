"""Values written into CSV and XLSX files that people open in a spreadsheet.

A text starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read as a
formula by Excel, LibreOffice and Google Sheets: ``=HYPERLINK(...)`` in a downtime cause would
run on the customer's machine. Every CSV and XLSX writer passes its cells through ``safe_cell``,
which puts an apostrophe in front of such text; numbers stay numbers, and so does text that is
a plain number (``-12.50`` in a reject file is an amount, not a formula).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a spreadsheet cell: risky text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """``safe_cell`` over a row."""
    return [safe_cell(v) for v in values]
