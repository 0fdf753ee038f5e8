"""``servitize import telemetry FILE``: status events and measurements from CSV or Parquet.

Columns: ``serial``, ``ts`` and either ``state`` (+ ``reason``) or ``metric``, ``value``
(+ ``unit``). Same rules as the record imports: each bad row goes to ``FILE.rejects.csv`` with
its line and reason, ``read == landed + rejected``; re-importing stores no duplicate (the
store keeps one row per key). A CSV row with bytes that are not text in the file's encoding
(UTF-8 unless ``encoding`` says otherwise) or with a NUL byte is rejected on its own
(``unreadable``); the rest of the file lands.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from servitize.core.cells import safe_row
from servitize.core.errors import InvalidInput
from servitize.core.file_text import readable, unstorable
from servitize.telemetry import rules
from servitize.telemetry.listener import Known, now_us
from servitize.telemetry.store import Batch, TelemetryStore

COLUMNS = ("serial", "ts", "state", "reason", "metric", "value", "unit")
CHUNK_ROWS = 50_000
EXTRA = "\x00extra"  # a row's key for the count of values beyond the header (never a column name)


class TelemetryFileError(InvalidInput):
    """The file as a whole cannot be read."""


@dataclass
class ImportResult:
    """Counts of one import: read == landed + rejected."""

    read: int = 0
    landed: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def _rows(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open("rb") as f:
            parquet = f.read(4) == b"PAR1"
        if parquet:
            line = 1
            for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS):
                for row in batch.to_pylist():
                    line += 1
                    yield (
                        line,
                        {
                            k.lower(): ""
                            if v is None
                            else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                            for k, v in row.items()
                        },
                    )
            return
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        # Bytes that are not text in the encoding become lone surrogates, so that only the row
        # holding them is rejected (``core.file_text``) and the rest of the file lands.
        with path.open("r", encoding=codec, errors="surrogateescape", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or not {"serial", "ts"} <= {
                h.lower() for h in reader.fieldnames
            }:
                raise TelemetryFileError(f"{path.name} needs the columns serial and ts")
            if any(unstorable(h or "") for h in reader.fieldnames):
                raise TelemetryFileError(
                    f"cannot read {path}: its header is not {encoding} text or holds a "
                    "NUL byte (give the file's encoding with --encoding)"
                )
            for row in reader:
                extra = row.pop(None, None)  # values beyond the header (a list)
                values = {(k or "").lower(): (v or "").strip() for k, v in row.items()}
                if extra:
                    values[EXTRA] = str(len(extra))
                yield reader.line_num, values
    except LookupError as exc:
        raise TelemetryFileError(
            f"unknown encoding {encoding!r} (for example utf-8, cp1252, latin-1)"
        ) from exc
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        if isinstance(exc, TelemetryFileError):
            raise
        raise TelemetryFileError(f"cannot read {path}: {exc}") from exc


def import_file(
    path: Path,
    store: TelemetryStore,
    serials: Known,
    source: str = "file",
    limits: rules.Limits = rules.DEFAULT_LIMITS,
    encoding: str = "utf-8",
) -> ImportResult:
    """Validate every row, store the good ones, write the bad ones with reasons to the rejects file.

    ``serials`` maps each serial to its ``Machine`` (then readings before its install date are
    rejected) or is a plain set of the serials that exist.
    """
    path = Path(path)
    if not path.is_file():
        raise TelemetryFileError(f"cannot read {path}: no such file")
    result = ImportResult()
    rejects_path = path.with_name(path.name + ".rejects.csv")
    rejects: list[tuple[int, str, str, dict[str, str]]] = []
    batch = Batch()
    received = now_us()
    for line, row in _rows(path, encoding):
        result.read += 1
        item = _unreadable(row) or _reading(row, serials, received, limits)
        if isinstance(item, rules.Rejected):
            rejects.append((line, item.reason, item.detail, row))
            result.reasons[item.reason] = result.reasons.get(item.reason, 0) + 1
            continue
        if isinstance(item, rules.Status):
            batch.add_status(item.serial, item.ts_us, item.state, item.reason, received, source)
        else:
            batch.add_measure(
                item.serial, item.ts_us, item.metric, item.value, item.unit, received, source
            )
        result.landed += 1
        if len(batch) >= CHUNK_ROWS:
            store.write(batch)
            batch = Batch()
    store.write(batch)
    result.rejected = len(rejects)
    if rejects:
        with rejects_path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            # the status column "reason" is written as "state_reason": "reason" says why it failed
            writer.writerow(
                [
                    "line",
                    "reason",
                    "detail",
                    *("state_reason" if c == "reason" else c for c in COLUMNS),
                ]
            )
            for line, reason, detail, row in rejects:  # never a live formula in a spreadsheet
                writer.writerow(
                    [
                        line,
                        *safe_row([reason, detail, *(readable(row.get(c, "")) for c in COLUMNS)]),
                    ]
                )
        result.rejects_file = str(rejects_path)
    elif rejects_path.exists():
        rejects_path.unlink()  # a stale rejects file of an earlier run would mislead
    return result


def _unreadable(row: dict[str, str]) -> rules.Rejected | None:
    """The row's first value that is not text, or values beyond the header, as a rejection
    (None: the row can be read)."""
    if EXTRA in row:
        return rules.Rejected(
            rules.Reason.unreadable, f"{row[EXTRA]} value(s) more than the header has columns"
        )
    for name, value in row.items():
        problem = unstorable(value)
        if problem:
            return rules.Rejected(rules.Reason.unreadable, f"{name or 'a value'} {problem}")
    return None


def _reading(
    row: dict[str, str], serials: Known, now: int, limits: rules.Limits
) -> rules.Status | rules.Measure | rules.Rejected:
    serial = row.get("serial", "")
    if not serial:
        return rules.Rejected(rules.Reason.missing_field, "serial missing")
    if serial not in serials:
        return rules.Rejected(rules.Reason.unknown_serial, f"no asset has serial {serial[:100]!r}")
    machine = serials.get(serial) if isinstance(serials, dict) else None
    kind = "status" if row.get("state") else "measure"
    obj: dict[str, object] = {k: v for k, v in row.items() if v != ""}
    seq = obj.get("seq")  # a file's sequence column is text; the listener's is a JSON number
    if isinstance(seq, str) and seq.isdigit():
        obj["seq"] = int(seq)
    return rules.reading(kind, serial, obj, now, limits, machine.not_before_us if machine else None)
