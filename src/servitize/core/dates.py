"""The range of dates servitize accepts from people, files and machines.

A date outside ``SERVITIZE_DATE_MIN_YEAR``..``SERVITIZE_DATE_MAX_YEAR`` (default 1900-2100) is a
typing slip (``0020-01-01``, ``20201-01-01``), never a real install date, order or reading; once
stored it breaks every reader that does date arithmetic on it. Imports, forms, API bodies and
telemetry timestamps all ask ``check_date_in_range``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated

from pydantic import AfterValidator

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


def _in_range(value: date) -> date:
    reason = check_date_in_range(value)
    if reason:
        raise ValueError(reason)
    return value


# A date field of an input model (form or API body): a date, inside the accepted years.
SaneDate = Annotated[date, AfterValidator(_in_range)]
