"""Column types that hand back what was stored: an enum member, a moment in UTC.

``StringEnum(Role)`` keeps an enum's value in a VARCHAR column and gives the member back on
read; writing accepts the member or its text and refuses any other text with a ValueError
naming the allowed values.

``UTCDateTime()`` is a ``DateTime(timezone=True)`` column that refuses a moment without an
offset (a naive datetime) on write, stores it in UTC, and always gives back a moment in UTC
with its offset, on every database (SQLite hands stored moments back without one).

Neither changes the column's type in the database, so swapping one in needs no migration.
``TimestampMixin`` gives a table ``created_at``/``updated_at`` as UTCDateTime columns.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from servitize.core.db import utcnow
from servitize.core.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)


class NotAMember(InvalidInput, ValueError):
    """A value that is not one of an enum's members (a 422 wherever it comes from)."""


class StringEnum(TypeDecorator[E]):
    """An enum's value in a VARCHAR column; the enum member when read."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[E], length: int | None = None, **kwargs: Any) -> None:
        if length is None:
            length = max(len(str(m.value)) for m in enum_cls)
        super().__init__(length, **kwargs)
        self.enum_cls = enum_cls

    def _member(self, value: object) -> E:
        if isinstance(value, self.enum_cls):
            return value
        try:
            return self.enum_cls(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in self.enum_cls)
            raise NotAMember(
                f"{value!r} is not a {self.enum_cls.__name__}; choose one of {allowed}"
            ) from None

    def process_bind_param(self, value: object, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self._member(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self._member(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum_cls


class UTCDateTime(TypeDecorator[datetime]):
    """A moment with its offset, stored in UTC and read back in UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a moment must be a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{value.isoformat()} has no offset: give a moment in UTC "
                "(datetime.now(UTC), or .replace(tzinfo=UTC))"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


class TimestampMixin:
    """Created/updated moments kept by the database layer, in UTC on every database."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
