"""The range of dates servitize accepts from people, files and machines.

A date outside ``SERVITIZE_DATE_MIN_YEAR``..``SERVITIZE_DATE_MAX_YEAR`` (default 1900-2100) is a
typing slip (``0020-01-01``, ``20201-01-01``), never a real install date, order or reading; once
stored it breaks every reader that does date arithmetic on it. Imports, forms, API bodies and
telemetry timestamps all ask ``check_date_in_range``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator
from sqlalchemy import Engine, event
from sqlalchemy.dialects.sqlite.base import DATE as SQLITE_DATE
from sqlalchemy.sql import sqltypes

D = TypeVar("D", date, datetime)
DEFAULT_MIN_YEAR, DEFAULT_MAX_YEAR = 1900, 2100


@cache
def year_range() -> tuple[int, int]:
    """The accepted years, first and last, from the settings (read once per process)."""
    from servitize.core.settings import Settings

    settings = Settings()
    return settings.date_min_year, settings.date_max_year


def check_date_in_range(value: date | datetime, years: tuple[int, int] | None = None) -> str | None:
    """Why ``value`` is outside the accepted years, in words; None when it is inside.

    ``years`` (first, last) defaults to the settings; a datetime is judged by its date.
    """
    low, high = years or year_range()
    if low <= value.year <= high:
        return None
    return f"{value.isoformat()} is outside the accepted years {low} to {high}"


def _in_range(value: D) -> D:
    reason = check_date_in_range(value)
    if reason:
        raise ValueError(reason)
    return value


# A date field of an input model (form or API body): a date, inside the accepted years.
SaneDate = Annotated[date, AfterValidator(_in_range)]


# A date-time field of an input model (agreements, telemetry bodies): inside the accepted years.
SaneDateTime = Annotated[datetime, AfterValidator(_in_range)]


# -- Reading dates that a database should never have held -----------------------------------
# Before these checks an import could store BC dates (``-2020-01-01``, ``0000-01-01``) and
# five-digit years; Python's date cannot hold them, so reading such a row raised ValueError (or
# psycopg's DataError) and took the account 360, ``segments run`` and ``leads generate`` down.
# An engine from ``core.db.make_engine`` reads them as the nearest date Python has, 0001-01-01 or
# 9999-12-31: far outside the accepted years, so a form shows the record as needing a fix (saving
# it asks for a real date), and the readers carry on.


def nearest_date(text: str) -> date:
    """A stored date text as a date; one Python cannot hold as 9999-12-31 (a year past 9999)
    or 0001-01-01 (BC, year 0, or no date at all)."""
    text = text.strip()
    if text.endswith("BC"):
        return date.min
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    year = text.split("-", 1)[0]
    return date.max if year.isdigit() and len(year) > 4 else date.min


class _SqliteDate(SQLITE_DATE):
    """SQLite's date type whose reader never raises on a date Python cannot hold."""

    def result_processor(self, dialect: Any, coltype: object) -> Any:
        strict = super().result_processor(dialect, coltype)

        def process(value: Any) -> date | None:
            if value is None:
                return None
            try:
                return strict(value) if strict else value
            except ValueError:
                return nearest_date(str(value))

        return process


def _psycopg_date_loader() -> Any:
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    oid = psycopg.adapters.types["date"].oid
    default = psycopg.adapters.get_loader(oid, Format.TEXT)

    class TolerantDate(Loader):
        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._strict = default(oid, context)  # type: ignore[misc]

        def load(self, data: Any) -> date:
            try:
                return self._strict.load(data)
            except psycopg.DataError:
                return nearest_date(bytes(data).decode())

    return oid, TolerantDate


def tolerate_stored_dates(engine: Engine) -> None:
    """Make ``engine`` read out-of-range stored dates as 0001-01-01 / 9999-12-31 (see above)."""
    name = engine.dialect.name
    if name == "sqlite":
        engine.dialect.colspecs = {**engine.dialect.colspecs, sqltypes.Date: _SqliteDate}
    elif name == "postgresql" and engine.dialect.driver == "psycopg":
        oid, loader = _psycopg_date_loader()

        @event.listens_for(engine, "connect")
        def _register(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.adapters.register_loader(oid, loader)
