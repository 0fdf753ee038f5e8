"""``servitize import meter-readings FILE``: cumulative meter readings of the machines of usage
contracts, from a CSV (comma, semicolon, tab or bar) or Parquet file.

Columns (any order, any case): ``contract`` (its number, C-000042), ``serial`` (a machine the
contract covers), ``read_at`` (a date, or a date and time; UTC unless it says otherwise),
``reading`` (the meter's cumulative count) and ``unit`` (the contract's metric: ``h`` or
``operating hours`` for operating hours, ``kWh``, ``units`` for units produced).

As the other imports: every row is read, lands or is rejected with its reason in
``FILE.rejects.csv`` beside the file (read = landed + rejected). A row is rejected for an unknown
contract or serial, a contract that is not a usage contract, a machine the contract does not
cover, a unit that is not the contract's metric, a time outside the accepted years, a reading
that is not a number, negative, or below an earlier (above a later) reading of the same meter,
and a different reading at a time that already has one. A row that repeats a stored reading
exactly lands as unchanged: importing the same file twice writes nothing twice.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from servitize.core.errors import InvalidInput
from servitize.installed_base.access import require
from servitize.installed_base.importing.rejects import RejectFile
from servitize.offers import readings
from servitize.offers import readings_repository as repo
from servitize.offers.models import ContractKind
from servitize.trust import audit
from servitize.trust.context import Context

COLUMNS = ("contract", "serial", "read_at", "reading", "unit")


@dataclass
class ReadingsImport:
    """What one import read, landed (inserted or unchanged) and rejected."""

    file: str
    read: int = 0
    inserted: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def landed(self) -> int:
        return self.inserted + self.unchanged

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "read": self.read,
            "landed": self.landed,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
        }


@dataclass
class _Row:
    line: int
    values: list[str]  # as read, in the file's column order
    contract: str
    serial: str
    read_at: str
    reading: str
    unit: str


def _rows(path: Path, encoding: str) -> tuple[list[str], Iterator[_Row]]:
    """The file's header and its rows (CSV: line numbers of the file; Parquet: row + 1)."""
    if not path.is_file():
        raise InvalidInput(f"file: {path.name} not found")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:
            raise InvalidInput(
                f"file: {path.name} is not a readable Parquet file ({exc})"
            ) from None
        header = list(table.column_names)
        index = _index(header)
        rows = table.to_pylist()

        def parquet() -> Iterator[_Row]:
            for n, row in enumerate(rows, 2):
                values = ["" if v is None else str(v) for v in row.values()]
                yield _row(n, values, index)

        return header, parquet()
    try:
        text = path.read_text(encoding=encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InvalidInput(f"file: {path.name} is not text in {encoding} ({exc})") from None
    lines = text.splitlines()
    if not lines:
        raise InvalidInput(f"file: {path.name} is empty")
    delimiter = max(",;\t|", key=lambda d: lines[0].count(d))
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    index = _index(header)

    def csv_rows() -> Iterator[_Row]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield _row(reader.line_num, values, index)

    return header, csv_rows()


def _index(header: list[str]) -> dict[str, int]:
    names = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InvalidInput(
            f"file: the header lacks {', '.join(missing)} (a meter-readings file has the "
            f"columns {', '.join(COLUMNS)})"
        )
    return {c: names[c] for c in COLUMNS}


def _row(line: int, values: list[str], index: dict[str, int]) -> _Row:
    def value(column: str) -> str:
        i = index[column]
        return values[i].strip() if i < len(values) else ""

    return _Row(line, values, *(value(c) for c in COLUMNS))


def import_file(ctx: Context, path: Path, encoding: str = "utf-8") -> ReadingsImport:
    """Check every row of the file, land the good ones, keep the others with their reasons."""
    require(ctx.user, "billing.run")
    path = Path(path)
    header, rows = _rows(path, encoding)
    rows_list = list(rows)
    result = ReadingsImport(file=path.name, read=len(rows_list))
    years = (ctx.settings.date_min_year, ctx.settings.date_max_year)
    contracts = repo.contracts_by_number(ctx.session, {r.contract for r in rows_list})
    serials = repo.known_serials(ctx.session, {r.serial for r in rows_list})
    covered = repo.covered_machines(ctx.session, {c[0] for c in contracts.values()})
    stored = repo.stored_readings(ctx.session, {c[0] for c in contracts.values()})
    rejects: list[tuple[int, str, list[str]]] = []
    valid: dict[tuple[int, int], list[tuple[datetime, Decimal, _Row]]] = {}

    def reject(row: _Row, reason: str) -> None:
        rejects.append((row.line, reason, row.values))
        key = reason.split(":", 1)[0]
        result.reasons[key] = result.reasons.get(key, 0) + 1

    for row in rows_list:
        reason = _check(row, contracts, serials, covered, years)
        if isinstance(reason, str):
            reject(row, reason)
            continue
        key, at, value = reason
        valid.setdefault(key, []).append((at, value, row))
    new: list[dict[str, Any]] = []
    for (cid, aid), found in valid.items():
        have = stored.get((cid, aid), [])
        at_time = dict(have)
        times = [t for t, _v in have]  # sorted; the values never decrease along them
        values = [v for _t, v in have]
        for at, value, row in sorted(found, key=lambda f: (f[0], f[2].line)):
            if at in at_time:
                if at_time[at] == value:
                    result.unchanged += 1
                else:
                    reject(
                        row,
                        f"read_at: a reading of {_text(at_time[at])} at {at.isoformat()} is "
                        "already stored for this machine",
                    )
                continue
            i = bisect_left(times, at)
            before = values[i - 1] if i else None
            after = values[i] if i < len(values) else None
            problem = readings.out_of_order(value, before, after)
            if problem is not None:
                reject(row, problem)
                continue
            times.insert(i, at)
            values.insert(i, value)
            at_time[at] = value
            new.append(
                {
                    "contract_id": cid,
                    "asset_id": aid,
                    "read_at": at,
                    "reading": value,
                    "unit": row.unit,
                    "source": path.name[:200],
                    "imported_at": ctx.now,
                    "imported_by": ctx.actor.name,
                }
            )
    repo.add_readings(ctx.session, new)
    result.inserted = len(new)
    result.rejected = len(rejects)
    out = RejectFile(path, header)
    out.add_rows(rejects)
    written = out.close()
    result.rejects_file = None if written is None else str(written)
    audit.record(
        ctx.session,
        ctx.actor,
        "import",
        "meter_reading",
        None,
        after=result.to_json() | {"rejects_file": None},
    )
    return result


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _check(
    row: _Row,
    contracts: dict[str, tuple[int, str, dict[str, Any]]],
    serials: set[str],
    covered: dict[tuple[int, str], int],
    years: tuple[int, int],
) -> tuple[tuple[int, int], datetime, Decimal] | str:
    """The row's (contract, machine), time and reading, or the reason it is rejected."""
    if not row.contract:
        return "contract: missing"
    if row.contract not in contracts:
        return f"contract: unknown contract {row.contract}"
    cid, kind, terms = contracts[row.contract]
    if kind != ContractKind.usage:
        return f"contract: {row.contract} is a {kind.replace('_', ' ')}, not a usage contract"
    if not row.serial:
        return "serial: missing"
    if row.serial not in serials:
        return f"serial: unknown serial {row.serial}"
    if (cid, row.serial) not in covered:
        return f"serial: {row.serial} is not a machine of contract {row.contract}"
    metric = str(terms.get("metric", "operating hour"))
    if not row.unit:
        return "unit: missing"
    if not readings.unit_matches(row.unit, metric):
        return f"unit: {row.unit!r} is not the meter of contract {row.contract} ({metric})"
    at = readings.parse_time(row.read_at, years)
    if isinstance(at, str):
        return at
    value = readings.parse_reading(row.reading)
    if isinstance(value, str):
        return value
    return (cid, covered[(cid, row.serial)]), at, value
