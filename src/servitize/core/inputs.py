"""Bounded types for what people send (API bodies, query and path parameters, forms).

Every value a request carries must fit the column it lands in or is compared with: an integer
beyond the database's range, a NUL byte in text (PostgreSQL refuses it), or NaN/Infinity in a
number is refused here with a reason (422), never left to the database to fail with a 500.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import annotated_types
from pydantic import AfterValidator, BaseModel, Field, model_validator

from servitize.core.db import as_utc

# The largest value of an INTEGER column on PostgreSQL (counts); SQLite holds 64 bits.
DB_INT_MAX = 2_147_483_647
# Ids are BIGINT on PostgreSQL (core.db.Id) and 64-bit integers on SQLite.
DB_BIGINT_MAX = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL (\\x00) characters")
    return value


# A record's id (path, query or body): a positive 64-bit integer. (annotated_types rather than
# Field: FastAPI takes these in path and query parameters too.)
Id = Annotated[int, annotated_types.Ge(1), annotated_types.Le(DB_BIGINT_MAX)]
# A whole number stored in an INTEGER column (counts, hours, sizes): 0 up to the column's range.
Count = Annotated[int, annotated_types.Ge(0), annotated_types.Le(DB_INT_MAX)]
# Text without NUL characters; length limits are added where used with Field(max_length=…).
Text = Annotated[str, AfterValidator(_no_nul)]
# A finite number (no NaN, no Infinity), as a float or as money.
Number = Annotated[float, Field(allow_inf_nan=False)]
Amount = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=18, decimal_places=2)]
# Named numeric terms of a contract or offer ({"fee": 10000, "penalty_rate": 2}): finite numbers.
Terms = Annotated[dict[Annotated[Text, Field(max_length=80)], Number], Field(max_length=100)]


def _json_problems(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [f"{where}: text must not contain NUL (\\x00) characters"] if "\x00" in value else []
    if isinstance(value, float):
        return [] if math.isfinite(value) else [f"{where}: not a finite number"]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{where}.{key}"
            found += _json_problems(str(key), name) or _json_problems(item, name)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _json_problems(item, f"{where}[{i}]")]
    return []


def _storable_json(value: dict[str, Any]) -> dict[str, Any]:
    problems = _json_problems(value, "")
    if problems:
        raise ValueError("; ".join(p.lstrip(".") for p in problems))
    return value


# A free-form JSON object stored as it came (evidence, details): no NUL text, no NaN/Infinity.
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable_json)]


class Input(BaseModel):
    """Base of every input model (API body, form): no text anywhere in it carries a NUL
    character, and no number is NaN or Infinity, nested values included."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        if isinstance(data, dict):
            problems = _json_problems(data, "")
            if problems:
                raise ValueError("; ".join(p.lstrip(".") for p in problems))
        return data

    # Fields of a change that may be left out (unchanged) but never sent as null: their
    # record always holds a value (a title, a status).
    not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _sent_null(self) -> Input:
        nulls = [
            f for f in self.not_null if f in self.model_fields_set and getattr(self, f) is None
        ]
        if nulls:
            raise ValueError(
                "; ".join(f"{f}: may not be null (leave it out to keep it)" for f in nulls)
            )
        return self


def _month_in_range(value: str) -> str:
    from servitize.core.dates import check_date_in_range

    try:
        first = date(int(value[:4]), int(value[5:7]), 1)
    except ValueError:
        raise ValueError(f"not a month: {value!r} (YYYY-MM)") from None
    reason = check_date_in_range(first)
    if reason:
        raise ValueError(reason)
    return value


# A month as ``YYYY-MM`` (query parameters), inside the accepted years.
SaneMonth = Annotated[
    str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), AfterValidator(_month_in_range)
]


# A moment as the API shows it: always with its offset (SQLite gives stored UTC times back
# without one, which is not an RFC 3339 date-time).
Moment = Annotated[datetime, AfterValidator(as_utc)]
