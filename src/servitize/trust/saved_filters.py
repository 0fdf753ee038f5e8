"""Saved filters: a user keeps the filter and sort of a list under a name of their own.

A saved filter belongs to one user and one list (the list's path, ``/accounts``); it holds the
query string the list had (its filters and sort, never a page number). The list page shows the
user's own saved filters as links; nobody else sees them, and someone else's answers 404.
The rules here are pure: ``clean_path``, ``clean_query`` and ``clean_name`` check what a form
sends before the repository (``saved_filters_repository``) stores it.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servitize.core.db import Base, IdMixin, utcnow
from servitize.core.errors import InvalidInput
from servitize.kit.columns import UTCDateTime

NAME_MAX = 80
QUERY_MAX = 1000
_PATH = re.compile(r"^/[a-z0-9][a-z0-9/_-]{0,118}$")
NOT_KEPT = {"page", "offset", "size", "csrf_token"}  # where a list stands is not a filter


class SavedFilter(IdMixin, Base):
    """A named filter and sort of one list, kept for one user."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "list_path", "name"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    list_path: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    query: Mapped[str] = mapped_column(String(QUERY_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def href(self) -> str:
        """The list with this filter and sort."""
        return f"{self.list_path}?{self.query}" if self.query else self.list_path


def clean_path(path: str) -> str:
    """The list's path as given, if it is one of ours (a local path, no host, no query)."""
    path = path.strip()
    if not _PATH.match(path) or "//" in path:
        raise InvalidInput(f"list: not a list of servitize: {path[:120]!r}")
    return path


def clean_query(query: str) -> str:
    """The filters and sort of a query string, without paging; re-encoded."""
    query = query.strip().lstrip("?")
    if len(query) > QUERY_MAX:
        raise InvalidInput(f"query: at most {QUERY_MAX} characters")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in NOT_KEPT]
    return urlencode(pairs)


def clean_name(name: str) -> str:
    """The name the user gave, trimmed; 1 to 80 characters."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name: give the filter a name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"name: at most {NAME_MAX} characters")
    return name
