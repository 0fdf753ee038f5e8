"""Sortable lists: which column a list is sorted by, the links of its headers, the ORDER BY.

A list names its sortable columns once, in a ``Sorts``: ``Sorts(("name", "country"),
default="name")``. The query string carries the sort as ``sort=name`` (ascending) or
``sort=-name`` (descending); ``Sorts.parse`` turns it into a ``Sort`` and refuses any other
column with ``InvalidInput`` (422) that names the allowed ones. The sort always happens in SQL:
the capability's repository maps each name to a column and calls ``order_by(sort, columns,
tiebreak)``, which puts empty values last whichever the direction and ends with a unique column
so that pages never overlap.

``ListLinks`` is what a list page's template gets (``_lists.html``): the link of each header
(the same filters, sorted by it, again to reverse, back to page one), ``aria-sort`` of each
header, the query that paging links, exports and saved filters carry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, case
from sqlalchemy.orm import InstrumentedAttribute

from servitize.core.errors import InvalidInput

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Sort:
    """A list's sort: the column's name and the direction."""

    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        """How the query string writes it: ``name`` or ``-name``."""
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class Sorts:
    """The columns a list may be sorted by, and its sort when none is asked for."""

    keys: tuple[str, ...]
    default: str

    def __post_init__(self) -> None:
        if self.default.lstrip("-") not in self.keys:
            raise ValueError(f"default sort {self.default!r} is not one of {self.keys}")

    def parse(self, value: str | None) -> Sort:
        """The sort the query string asks for (the default when empty); InvalidInput (422)
        naming the allowed columns for any other."""
        text = (value or "").strip() or self.default
        key = text.removeprefix("-")
        if key not in self.keys:
            allowed = ", ".join(self.keys)
            raise InvalidInput(
                f"sort: {text!r} is not a column of this list; sort by one of: {allowed} "
                "(a leading - sorts descending)"
            )
        return Sort(key, descending=text.startswith("-"))


def order_by(sort: Sort, columns: Mapping[str, Any], *tiebreak: Column) -> list[Any]:
    """ORDER BY clauses for ``sort``: empty values last in both directions, then ``tiebreak``
    (a unique column, so pages never overlap). ``columns`` maps each sortable name to its column
    (the repository's map; every name of the list's ``Sorts`` must be there)."""
    column = columns[sort.key]
    # NULLS LAST written portably: SQLite and PostgreSQL order NULL differently by default.
    nulls_last = case((column.is_(None), 1), else_=0)
    direction = column.desc() if sort.descending else column.asc()
    return [nulls_last, direction, *tiebreak]


@dataclass(frozen=True)
class ListLinks:
    """The links of a list page: sortable headers, paging, exports and saved filters.

    ``base`` is the list's path (``/accounts``), ``filters`` its current filters (empty values
    are left out of every link), ``sort`` the current sort, ``default`` the list's own default
    (not written into links when it is the one shown)."""

    base: str
    filters: Mapping[str, Any]
    sort: Sort
    default: str = ""
    saved: Sequence[Any] = field(default_factory=tuple)

    def _query(self, sort: Sort | None) -> dict[str, Any]:
        query = {k: v for k, v in self.filters.items() if v not in (None, "", False)}
        if sort is not None and sort.param != self.default:
            query["sort"] = sort.param
        return query

    @property
    def params(self) -> dict[str, Any]:
        """The filters and the sort, as paging links carry them."""
        return self._query(self.sort)

    @property
    def query(self) -> str:
        """The filters and the sort as a query string (no ``?``; empty when there are none)."""
        return urlencode(self.params)

    def href(self, key: str) -> str:
        """The link of a column's header: sorted by it, or reversed when it is the sort."""
        again = self.sort.key == key and not self.sort.descending
        query = urlencode(self._query(Sort(key, descending=again)))
        return f"{self.base}?{query}" if query else self.base

    def aria(self, key: str) -> str:
        """The header's ``aria-sort``: ascending, descending or none."""
        if self.sort.key != key:
            return "none"
        return "descending" if self.sort.descending else "ascending"

    def export(self, fmt: str) -> str:
        """The link that downloads what the list shows (every page) as ``csv`` or ``xlsx``."""
        return f"{self.base}.{fmt}" + (f"?{self.query}" if self.query else "")


def links(
    base: str,
    filters: Mapping[str, Any],
    sort: Sort,
    sorts: Sorts,
    saved: Sequence[Any] = (),
) -> ListLinks:
    """The ``ListLinks`` of a list at ``base`` with these filters and sort."""
    return ListLinks(base, dict(filters), sort, sorts.default, tuple(saved))
