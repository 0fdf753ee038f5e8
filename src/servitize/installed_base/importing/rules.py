"""Pure validation rules of an import kind, written as DuckDB SQL over a chunk of text columns.

No database, no files: functions here take a kind's column contract and return SQL text that
types every value and names, in words, what is wrong with a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from servitize.core.dates import DEFAULT_MAX_YEAR, DEFAULT_MIN_YEAR
from servitize.installed_base.columns import KINDS, Column, ImportKind
from servitize.installed_base.importing.codes import COUNTRIES, CURRENCIES

TRUE = ("true", "yes", "y", "t", "1")
FALSE = ("false", "no", "n", "f", "0")
SHOWN = 60  # characters of a bad value quoted in a reason
VALUE = "@value@"  # stands for the typed value in a rule until it is known
# A date as the file may write it: its day part is group 1 (the year may be any digits or
# negative, so that the reason can say it is outside the accepted years).
DATE_TEXT = r"^(-?[0-9]+-[0-9]{1,2}-[0-9]{1,2})([T ]00:00(:00(\.0+)?)?Z?)?$"
DATE_WITH_TIME = r"-?[0-9]+-[0-9]{1,2}-[0-9]{1,2}[T ].+"
TIME_TEXT = r"([01]?[0-9]|2[0-3]):[0-5][0-9]"  # a time of day, HH:MM


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    """A SQL literal of a plain value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def target(column: Column) -> str | None:
    """The table column a file column lands in; None for order assets (a link table)."""
    if column.type == "refs":
        return None
    if column.type == "ref":
        return f"{column.name}_id"
    if column.type == "money":
        return f"{column.name}_cents"
    if column.name == "date":
        return "day"
    return column.name


@dataclass(frozen=True)
class Ref:
    """A reference column: the kind it points to, and whether that is the importing kind."""

    column: str
    kind: ImportKind
    self_ref: bool
    required: bool


def refs(kind: ImportKind) -> list[Ref]:
    """The kind's reference columns (single ``ref`` and ``refs`` lists alike)."""
    return [
        Ref(c.name, KINDS[c.ref], c.ref == kind.name, c.required)
        for c in kind.columns
        if c.ref is not None
    ]


def _said(name: str, raw: str) -> str:
    """SQL for: name 'value' (the value shortened)."""
    return f"{lit(name + ' ')} || '''' || left({raw}, {SHOWN}) || ''''"


def _when(condition: str, reason: str) -> str:
    return f"CASE WHEN {condition} THEN {reason} END"


def _typed(
    c: Column, raw: str, company_currency: str, years: tuple[int, int]
) -> tuple[str, list[str]]:
    """SQL for the typed value of one column, and the reasons it may be wrong."""
    reasons: list[str] = []
    v = VALUE
    bad = f"{raw} IS NOT NULL AND {v} IS NULL"
    value = raw
    if c.type == "int":
        value = f"TRY_CAST({raw} AS BIGINT)"
        reasons.append(_when(bad, _said(c.name, raw) + " || ' is not a whole number'"))
    elif c.type == "float":
        value = f"TRY_CAST({raw} AS DOUBLE)"
        bad = f"{raw} IS NOT NULL AND ({v} IS NULL OR NOT isfinite({v}))"
        reasons.append(_when(bad, _said(c.name, raw) + " || ' is not a number'"))
    elif c.type == "money":
        value = f"CAST(round(TRY_CAST({raw} AS DECIMAL(18, 2)) * 100) AS BIGINT)"
        reasons.append(
            _when(bad, _said(c.name, raw) + " || ' is not an amount (use . as decimal mark)'")
        )
    elif c.type == "date":
        # YYYY-MM-DD, or a spreadsheet's date-time at midnight; any other time of day is
        # rejected, not cut, and so is a year outside the accepted range (BC dates included).
        day = f"TRY_CAST(regexp_extract({raw}, {lit(DATE_TEXT)}, 1) AS DATE)"
        first_year, last_year = years
        value = (
            f"CASE WHEN year({day}) BETWEEN {first_year} AND {last_year} "
            f"THEN CAST({day} AS VARCHAR) END"
        )
        why = (
            f"CASE WHEN regexp_full_match({raw}, {lit(DATE_WITH_TIME)}) "
            f"THEN ' has a time of day (a date column takes YYYY-MM-DD)' "
            f"WHEN {day} IS NOT NULL "
            f"THEN {lit(f' is outside the accepted years {first_year} to {last_year}')} "
            f"ELSE ' is not a date (YYYY-MM-DD)' END"
        )
        reasons.append(_when(bad, _said(c.name, raw) + f" || {why}"))
    elif c.type == "time":
        # HH:MM (H:MM too), 00:00 to 23:59; landed as HH:MM:00, the time column's text.
        value = (
            f"CASE WHEN regexp_full_match({raw}, {lit(TIME_TEXT)}) "
            f"THEN lpad({raw}, 5, '0') || ':00' END"
        )
        reasons.append(_when(bad, _said(c.name, raw) + " || ' is not a time of day (HH:MM)'"))
    elif c.type == "bool":
        value = (
            f"CASE WHEN lower({raw}) IN ({', '.join(map(lit, TRUE))}) THEN TRUE "
            f"WHEN lower({raw}) IN ({', '.join(map(lit, FALSE))}) THEN FALSE END"
        )
        reasons.append(_when(bad, _said(c.name, raw) + " || ' is not true or false'"))
    elif c.type == "enum":
        assert c.enum is not None
        allowed = [e.value for e in c.enum]
        value = f"lower({raw})"
        reasons.append(
            _when(
                f"{v} NOT IN ({', '.join(map(lit, allowed))})",
                _said(c.name, raw) + f" || {lit(' is not one of: ' + ', '.join(allowed))}",
            )
        )
    elif c.type in ("country", "currency"):
        codes, norm = (COUNTRIES, "ISO 3166") if c.type == "country" else (CURRENCIES, "ISO 4217")
        value = f"upper({raw})"
        if c.type == "currency":
            value = f"upper(COALESCE({raw}, {lit(company_currency)}))"
        reasons.append(
            _when(
                f"{v} NOT IN ({', '.join(map(lit, sorted(codes)))})",
                _said(c.name, f"COALESCE({raw}, '')") + f" || {lit(f' is not an {norm} code')}",
            )
        )
    if c.min is not None or c.max is not None:
        low = "" if c.min is None else f"{v} < {c.min!r}"
        high = "" if c.max is None else f"{v} > {c.max!r}"
        if c.min == 0 and c.max is None:
            words = " || ' is negative'"
        elif c.max is None:
            words = f" || {lit(f' is below {c.min:g}')}"
        else:
            words = f" || {lit(f' is outside {c.min:g} to {c.max:g}')}"
        reasons.append(_when(" OR ".join(x for x in (low, high) if x), _said(c.name, raw) + words))
    return value, reasons


def typed_sql(
    kind: ImportKind,
    source: str,
    today: date,
    company_currency: str = "EUR",
    max_lengths: dict[str, int] | None = None,
    years: tuple[int, int] = (DEFAULT_MIN_YEAR, DEFAULT_MAX_YEAR),
    int_max: dict[str, int] | None = None,
) -> str:
    """SQL that types a chunk's text columns and gives each row its reasons (``_reason``).

    Reference columns stay text here; ``refs`` resolves them against the records.
    """
    max_lengths = max_lengths or {}
    clean = ", ".join(f"NULLIF(trim({q(c.name)}), '') AS {q(c.name)}" for c in kind.columns)
    values, reasons = [], []
    for c in kind.columns:
        raw = f"c.{q(c.name)}"
        if c.default is not None:
            raw = f"COALESCE({raw}, {lit(c.default)})"
        value, checks = _typed(c, raw, company_currency, years)
        values.append(f"{value} AS {q(c.name)}")
        checks = [x.replace(VALUE, f"({value})") for x in checks]
        if c.required:
            checks.insert(0, _when(f"{raw} IS NULL", lit(f"{c.name} is required")))
        largest = (int_max or {}).get(target(c) or "")
        if largest is not None and c.type == "int":
            checks.append(
                _when(
                    f"({value}) > {largest}",
                    _said(c.name, raw) + f" || {lit(f' is larger than {largest:,}')}",
                )
            )
        limit = max_lengths.get(target(c) or "")
        if limit and c.type in ("text", "ref"):
            checks.append(
                _when(
                    f"length({raw}) > {limit}", lit(f"{c.name} is longer than {limit} characters")
                )
            )
        if c.not_future:
            checks.append(
                _when(
                    f"TRY_CAST({raw} AS DATE) > DATE {lit(today.isoformat())}",
                    _said(c.name, raw) + " || ' is in the future'",
                )
            )
        reasons.extend(checks)
    reasons.extend(kind_rules(kind))
    return (
        f"WITH c AS (SELECT _idx, _line, _shape, {clean} FROM {source}) "
        f"SELECT _idx, _line, {', '.join(values)}, COALESCE(c._shape, "
        f"NULLIF(concat_ws('; ', {', '.join(reasons)}), '')) AS _reason FROM c"
    )


def kind_rules(kind: ImportKind) -> list[str]:
    """Rules across columns of one row, as SQL reasons over the cleaned chunk ``c``."""
    if kind.name == "assets":
        return [
            _when(
                "lower(c.origin) = 'competitor' AND c.competitor IS NULL",
                lit("competitor is required when origin is competitor"),
            ),
            _when(
                "c.parent IS NOT NULL AND c.parent = c.external_id",
                lit("parent is the asset itself"),
            ),
        ]
    if kind.name == "exchange-rates":
        return [
            _when(
                "TRY_CAST(c.rate AS DOUBLE) <= 0", _said("rate", "c.rate") + " || ' is not above 0'"
            )
        ]
    if kind.name == "accounts":
        return [
            _when(
                "c.dealer IS NOT NULL AND c.dealer = c.external_id",
                lit("dealer is the account itself"),
            )
        ]
    return []
