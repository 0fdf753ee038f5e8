"""A list defined once: its columns give the page's table, the sortable headers and the file.

The lists of ``kit.sorting`` and ``kit.export`` each wrote their page's table in a template and
their file's rows in the view, the same values twice. A ``Listing`` names each column once, with
the function that gives its cell from a row (and, for a sortable column, the name ``?sort=``
uses): the page draws the cells with ``shown`` (``_lists.html``'s ``table`` macro) and the
CSV/XLSX writes the same cells (``respond``). What a page shows and what its file holds are then
one value: money as a ``Decimal`` amount in major units next to a currency column (the page
writes ``1,234.50``, the file ``1234.50``), counts as integers, dates as dates.

A view of such a list is then: parse the sort (``listing.sorts.parse``), run its repository
query for a page (or for every row, up to ``EXPORT_MAX_ROWS``), hand ``listing`` and the rows to
the template, and answer the file with ``listing.respond(rows, total, fmt)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Generic, TypeVar

from starlette.responses import Response

from servitize.kit.export import Cell, Table, respond
from servitize.kit.sorting import Sorts

R = TypeVar("R")


def shown(cell: Cell | time) -> str:
    """A cell as the page writes it: amounts to the cent with thousands separators, counts with
    them, dates ISO, times HH:MM, nothing as nothing."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return f"{cell:,.2f}"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M}"
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, time):
        return f"{cell:%H:%M}"
    return str(cell)


@dataclass(frozen=True)
class Col(Generic[R]):
    """One column: its heading, its cell from a row, the ``?sort=`` name when it sorts, a link
    from a row (the cell is then a link), whether it holds numbers (aligned right) and the CSS
    classes of a row's cell (a band's colour)."""

    heading: str
    cell: Callable[[R], Cell]
    sort: str | None = None
    link: Callable[[R], str | None] | None = None
    numeric: bool = False
    css: Callable[[R], str] | None = None


@dataclass(frozen=True)
class ShownCell:
    """A cell as the template draws it."""

    text: str
    link: str | None
    numeric: bool
    css: str = ""

    @property
    def classes(self) -> str:
        """The cell's CSS classes: ``num`` for numbers, then the column's own."""
        return " ".join(c for c in ("num" if self.numeric else "", self.css) if c)


@dataclass(frozen=True)
class Listing(Generic[R]):
    """A list's columns, its default sort and the name of its file."""

    name: str
    columns: tuple[Col[R], ...]
    default: str

    @cached_property
    def sorts(self) -> Sorts:
        """The sortable columns (``?sort=``), in the order of the table."""
        return Sorts(tuple(c.sort for c in self.columns if c.sort), self.default)

    def cells(self, row: R) -> list[Cell]:
        """A row's cells, as the file holds them."""
        return [c.cell(row) for c in self.columns]

    def shown_cells(self, row: R) -> list[ShownCell]:
        """A row's cells as the page draws them: the same values, written for people."""
        return [
            ShownCell(
                shown(c.cell(row)),
                c.link(row) if c.link else None,
                c.numeric,
                c.css(row) if c.css else "",
            )
            for c in self.columns
        ]

    def table(self, rows: Sequence[R], total: int) -> Table:
        """The rows as a ``kit.export.Table`` (cut when ``total`` counts more)."""
        cells = [self.cells(r) for r in rows]
        return Table([c.heading for c in self.columns], cells, cut=total > len(rows))

    def respond(self, rows: Sequence[R], total: int, fmt: str) -> Response:
        """The rows as a CSV or XLSX download named after the list."""
        return respond(self.table(rows, total), fmt, self.name)
