"""The import's column rules, value by value, for records edited by hand (pure: no I/O).

An import checks a whole file in SQL (installed_base.importing.rules); a form checks one record.
Both read the same column contract (installed_base.columns.KINDS): type, required, enum, range,
country and currency codes, and the column's length in the records. So a value the import would
reject is refused in a form with the same words, and what a form saves an import could carry.
Each reason is keyed by its field, so a page shows it next to that field and the API names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from servitize.installed_base.columns import KINDS, Column
from servitize.installed_base.importing.codes import COUNTRIES, CURRENCIES
from servitize.installed_base.importing.rules import SHOWN

# A form field that is not an import column (kept by hand only): its column, written the same way.
EXTRA: dict[str, dict[str, Column]] = {
    "accounts": {"address": Column("address")},
}


def column_of(kind: str, name: str) -> Column:
    """The column contract of ``name`` in an import kind (or its hand-kept extra)."""
    extra = EXTRA.get(kind, {})
    if name in extra:
        return extra[name]
    return KINDS[kind].column(name)


def _said(name: str, raw: str) -> str:
    return f"{name} '{raw[:SHOWN]}'"


def check_value(
    column: Column, raw: object, max_length: int | None = None
) -> tuple[Any, str | None]:
    """One value as the import types it, and the reason it is wrong (None: it is right).

    Text is trimmed; empty text is nothing. Codes (country, currency, enum) are read in any case.
    """
    text = raw.strip() if isinstance(raw, str) else raw
    if text == "" or text is None:
        if column.required:
            return None, f"{column.name} is required"
        return None, None
    if isinstance(text, str) and "\x00" in text:
        return None, f"{column.name}: text must not contain NUL (\\x00) characters"
    value: Any = text
    name = column.name
    shown = str(text)
    if column.type == "int":
        try:
            value = int(shown)
        except ValueError:
            return None, f"{_said(name, shown)} is not a whole number"
    elif column.type in ("float", "money"):
        try:
            number = Decimal(shown)
        except InvalidOperation:
            words = "an amount (use . as decimal mark)" if column.type == "money" else "a number"
            return None, f"{_said(name, shown)} is not {words}"
        if not number.is_finite():
            return None, f"{_said(name, shown)} is not a number"
        value = number
    elif column.type == "enum":
        assert column.enum is not None
        allowed = [e.value for e in column.enum]
        value = shown.lower()
        if value not in allowed:
            return None, f"{_said(name, shown)} is not one of: {', '.join(allowed)}"
    elif column.type in ("country", "currency"):
        codes, norm = (
            (COUNTRIES, "ISO 3166") if column.type == "country" else (CURRENCIES, "ISO 4217")
        )
        value = shown.upper()
        if value not in codes:
            return None, f"{_said(name, shown)} is not an {norm} code"
    elif column.type in ("text", "ref") and max_length is not None and len(shown) > max_length:
        return None, f"{name} is longer than {max_length} characters"
    if column.min is not None or column.max is not None:
        number = Decimal(value)
        if column.min == 0 and column.max is None and number < 0:
            return None, f"{_said(name, shown)} is negative"
        low = column.min is not None and number < Decimal(str(column.min))
        high = column.max is not None and number > Decimal(str(column.max))
        if low or high:
            if column.max is None:
                return None, f"{_said(name, shown)} is below {column.min:g}"
            return None, f"{_said(name, shown)} is outside {column.min:g} to {column.max:g}"
    return value, None


def check_fields(
    kind: str,
    values: Mapping[str, object],
    max_lengths: Mapping[str, int],
    *,
    names: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every given field typed by its import column, and the reason of each wrong one.

    ``names`` maps a form field to its import column when they differ (``dealer_id``: none).
    """
    typed: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for field, raw in values.items():
        column = column_of(kind, (names or {}).get(field, field))
        value, reason = check_value(column, raw, max_lengths.get(field))
        if reason:
            reasons[field] = reason
        else:
            typed[field] = value
    return typed, reasons


def reasons_by_field(message: str | None, fields: list[str] | tuple[str, ...]) -> dict[str, str]:
    """A refusal's reasons (``name: why; other …``) keyed by the form field they name; what
    names no field of the form stays under ``""``, so a page shows it above the form."""
    if not message:
        return {}
    out: dict[str, str] = {}
    for part in message.split("; "):
        field = next(
            (
                f
                for f in sorted(fields, key=len, reverse=True)
                if part == f or part.startswith((f + " ", f + ":"))
            ),
            "",
        )
        out[field] = f"{out[field]}; {part}" if field in out else part
    return out


def currency_code(code: str) -> str:
    """An ISO 4217 code in capitals, as imports take it; ValueError naming ``currency``."""
    value, reason = check_value(column_of("orders", "currency"), code)
    if reason or value is None:
        raise ValueError(reason or "currency is required")
    return str(value)
