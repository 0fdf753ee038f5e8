"""One page of a long list: what the request asks for, what the answer carries, and the query.

``PageParams`` is what a list endpoint, page or command takes: ``page`` (1 or more) and
``size``. In a route, ``params: PageQuery`` (``kit.page_query``, which loads FastAPI; this module
does not, so commands use it without loading the web stack) turns the query string
``?page=2&size=50`` into a ``PageParams``, and a bad value answers 422 naming the field.

``Page[T]`` is the answer: ``items``, ``total`` (every match), ``page``, ``size`` and ``pages``
(how many pages there are). It is a pydantic model, so ``response_model=Page[AccountRead]``
documents and checks it. Build one with ``Page.of(items, total, params)``.

``paginate(session, statement, params)`` runs two queries, one count of every match and one for
the rows of the page, and returns ``(rows, total)``. Give it a statement that selects one
entity or column and orders by something unique, or the pages overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_SIZE = 50


@dataclass(frozen=True)
class PageParams:
    """Which page of a list, and how many rows on it."""

    page: int = 1
    size: int = DEFAULT_SIZE

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.page - 1) * self.size


class Page(BaseModel, Generic[T]):
    """One page of a long list; ``total`` counts every match, ``pages`` the pages."""

    items: list[T]
    total: int
    page: int
    size: int
    pages: int

    @classmethod
    def of(cls, items: Sequence[T], total: int, params: PageParams) -> Page[T]:
        """A page of ``items`` out of ``total`` matches."""
        pages = -(-total // params.size)  # ceiling
        return cls(items=list(items), total=total, page=params.page, size=params.size, pages=pages)


def paginate(session: Session, statement: Select[R], params: PageParams) -> tuple[list[R], int]:
    """The rows of one page of ``statement`` and the count of every match: two queries."""
    counted: Select[Any] = select(func.count()).select_from(statement.order_by(None).subquery())
    total = int(session.scalar(counted) or 0)
    rows = list(session.scalars(statement.limit(params.size).offset(params.offset)))
    return rows, total


@dataclass(frozen=True)
class Pages:
    """The pagination bar of a page (``_pages.html``): rows shown, total, links to the
    neighbouring pages."""

    first: int
    last: int
    total: int
    prev: str | None
    next: str | None


def pages_of(
    base: str, filters: dict[str, Any], params: PageParams, shown: int, total: int
) -> Pages:
    """Links and numbers of a page of a list (``page`` in the query string)."""

    def link(number: int) -> str:
        query = {k: v for k, v in filters.items() if v not in (None, "")}
        if number > 1:
            query["page"] = number
        return f"{base}?{urlencode(query)}" if query else base

    end = params.offset + shown
    return Pages(
        first=params.offset + 1 if shown else 0,
        last=end,
        total=total,
        prev=link(params.page - 1) if params.page > 1 else None,
        next=link(params.page + 1) if end < total else None,
    )
