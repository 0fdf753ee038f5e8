"""Stream an import file (CSV of any usual delimiter, or Parquet) in chunks of text columns."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from servitize.core.errors import InvalidInput
from servitize.core.file_text import unstorable
from servitize.installed_base.columns import ImportKind

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
SCAN_BYTES = 4 * 1024 * 1024


class ImportFileError(InvalidInput):
    """The file as a whole cannot be imported: unreadable, wrong header, unknown kind."""


@dataclass
class Chunk:
    """Up to ``chunk_rows`` rows: their line numbers, text columns, and the original values."""

    lines: list[int]
    table: pa.Table  # one string column per kind column (null where absent or empty)
    originals: list[list[str]] | pa.Table  # the rows as read, for the reject file
    position: int  # bytes (CSV) or rows (Parquet) consumed so far

    def original(self, index: int) -> list[str]:
        """The values of row ``index`` as the file had them."""
        if isinstance(self.originals, list):
            return self.originals[index]
        row = self.originals.slice(index, 1).to_pylist()[0]
        return ["" if v is None else str(v) for v in row.values()]


@dataclass
class Source:
    """An opened import file: its header, the kind's columns it carries, its size."""

    path: Path
    kind: ImportKind
    header: list[str]
    size: int  # lines for CSV, rows for Parquet: the progress bar's total
    delimiter: str | None = None
    blank_lines: bool = False  # CSV: blank lines make the fast reader's line numbers wrong
    quoted: bool = True  # CSV: has a double quote, so a value may hold a line break
    encoding: str = "utf-8"  # CSV: the text encoding (``--encoding``)
    warnings: list[str] = field(default_factory=list)

    @property
    def present(self) -> set[str]:
        """The kind's columns this file carries."""
        return {c.lower() for c in self.header}

    def chunks(self, chunk_rows: int) -> Iterator[Chunk]:
        """The file's rows, ``chunk_rows`` at a time."""
        if self.delimiter is None:
            return _parquet_chunks(self, chunk_rows)
        return _csv_chunks(self, chunk_rows)


def open_source(path: Path, kind: ImportKind, encoding: str = "utf-8") -> Source:
    """Open ``path`` and check its header against ``kind``; ImportFileError when it cannot be.

    A CSV row with bytes that are not text in ``encoding``, or with a NUL byte, is rejected on its
    own (``_shape``); only a header that cannot be read makes the whole file unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"cannot read {path}: no such file")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(
            f"unknown encoding {encoding!r} (for example utf-8, cp1252, latin-1)"
        ) from None
    try:
        if _is_parquet(path):
            pf = pq.ParquetFile(path)
            source = Source(path, kind, list(pf.schema_arrow.names), pf.metadata.num_rows)
        else:
            header, delimiter = _csv_header(path, encoding)
            lines, blank, quoted = _scan(path)
            source = Source(path, kind, header, lines, delimiter, blank, quoted, encoding)
    except (OSError, UnicodeDecodeError, pa.ArrowException, csv.Error) as exc:
        raise ImportFileError(f"cannot read {path}: {exc}") from exc
    _check_header(source)
    return source


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"PAR1"


def _csv_header(path: Path, encoding: str = "utf-8") -> tuple[list[str], str]:
    with path.open("rb") as f:
        sample = f.read(SNIFF_BYTES)
    text = sample.decode(_codec(encoding), errors="replace")  # only to find the delimiter
    if not text.strip():
        raise ImportFileError(f"cannot read {path}: the file is empty")
    delimiter = _sniff(text)
    with _open_text(path, encoding) as f:
        header = next(csv.reader(f, delimiter=delimiter), [])
    if any(unstorable(h) for h in header):
        raise ImportFileError(
            f"cannot read {path}: its header is not {encoding} text or holds a NUL byte "
            f"(give the file's encoding with --encoding)"
        )
    return [h.strip() for h in header], delimiter


def _scan(path: Path) -> tuple[int, bool, bool]:
    """Physical line count, whether the file has blank lines, and whether it has a double quote
    (without one no value can hold a line break); one fast pass over the bytes."""
    lines, blank, quoted, tail = 0, False, False, b""
    with path.open("rb") as f:
        while block := f.read(SCAN_BYTES):
            lines += block.count(b"\n")
            both = tail + block
            blank = blank or b"\n\n" in both or b"\n\r\n" in both
            quoted = quoted or b'"' in block
            tail = block[-2:]
    return lines, blank, quoted


def _sniff(text: str) -> str:
    """The delimiter among , ; TAB | that splits the first lines most consistently."""
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = text.splitlines()[0]
        return max(DELIMITERS, key=first.count)


def _codec(encoding: str) -> str:
    """UTF-8 files may start with a byte-order mark."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def _open_text(path: Path, encoding: str = "utf-8") -> io.TextIOWrapper:
    # Bytes that are not text in ``encoding`` become lone surrogates, so that the one row
    # holding them is rejected (``core.file_text``) and the rest of the file still lands.
    return path.open("r", encoding=_codec(encoding), errors="surrogateescape", newline="")


def _check_header(source: Source) -> None:
    names = [h.lower() for h in source.header]
    known = {c.name for c in source.kind.columns}
    missing = [c.name for c in source.kind.columns if c.required and c.name not in names]
    if missing:
        raise ImportFileError(
            f"{source.path.name} lacks required column(s) for {source.kind.name}: "
            f"{', '.join(missing)} (its header: {', '.join(source.header) or 'empty'})"
        )
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ImportFileError(f"{source.path.name} has column(s) twice: {', '.join(doubled)}")
    extra = [h for h in source.header if h.lower() not in known]
    if extra:
        source.warnings.append(f"ignored unknown column(s): {', '.join(extra)}")


def _csv_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    """Rows from Arrow's fast reader while every row is one line; Python's csv module after."""
    done = 0
    if not source.blank_lines:
        for chunk in _arrow_chunks(source, chunk_rows):
            if chunk is None:
                break
            done += len(chunk.lines)
            yield chunk
        else:
            return
    yield from _python_chunks(source, chunk_rows, skip=done)


def _arrow_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk | None]:
    """Chunks whose line numbers are certain; None where the csv module must take over."""
    names = [h.lower() for h in source.header]
    options = (
        pcsv.ReadOptions(
            skip_rows=1,
            column_names=names,
            block_size=chunk_rows * 128,
            encoding="utf8" if _codec(source.encoding) == "utf-8-sig" else source.encoding,
        ),
        pcsv.ParseOptions(delimiter=source.delimiter or ",", newlines_in_values=source.quoted),
        pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        ),
    )
    try:
        with _open_binary_after_bom(source.path) as f:
            reader = pcsv.open_csv(f, *options)
            line = 1
            pending: pa.Table | None = None
            for batch in reader:
                if source.quoted and _has_newline(batch):
                    break
                table = pa.Table.from_batches([batch])
                pending = table if pending is None else pa.concat_tables([pending, table])
                while pending.num_rows >= chunk_rows:
                    yield _arrow_chunk(source, pending.slice(0, chunk_rows), line)
                    line, pending = line + chunk_rows, pending.slice(chunk_rows)
            else:
                if pending is not None and pending.num_rows:
                    yield _arrow_chunk(source, pending, line)
                return
            if pending is not None and pending.num_rows:
                yield _arrow_chunk(source, pending, line)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass  # a ragged row or odd bytes: the csv module reports them row by row
    yield None


def _open_binary_after_bom(path: Path) -> io.BufferedReader:
    f = path.open("rb")
    if f.read(3) != b"\xef\xbb\xbf":
        f.seek(0)
    return f


def _has_newline(batch: pa.RecordBatch) -> bool:
    return any(
        pc.any(pc.match_substring(column, "\n")).as_py()
        or pc.any(pc.match_substring(column, "\r")).as_py()
        for column in batch.columns
    )


def _arrow_chunk(source: Source, table: pa.Table, first_line: int) -> Chunk:
    n = table.num_rows
    columns = {
        c.name: table.column(c.name) if c.name in table.column_names else pa.nulls(n, pa.string())
        for c in source.kind.columns
    }
    columns["_shape"] = _nul_reasons(table)
    lines = list(range(first_line + 1, first_line + 1 + n))
    return Chunk(lines, pa.table(columns), table, first_line + n)


def _nul_reasons(table: pa.Table) -> pa.Array:
    """Per row: which column holds a NUL byte (PostgreSQL cannot store one), else null."""
    reason = pa.nulls(table.num_rows, pa.string())
    for name in reversed(table.column_names):
        column = table.column(name)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            continue
        hit = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(hit).as_py():
            reason = pc.if_else(hit, f"{name} holds a NUL byte", reason)
    return reason


def _python_chunks(source: Source, chunk_rows: int, skip: int = 0) -> Iterator[Chunk]:
    names = [h.lower() for h in source.header]
    width = len(names)
    wanted = [
        (c.name, names.index(c.name) if c.name in names else None) for c in source.kind.columns
    ]
    last = 1
    try:
        with _open_text(source.path, source.encoding) as f:
            reader = csv.reader(f, delimiter=source.delimiter or ",")
            next(reader, None)
            lines: list[int] = []
            rows: list[list[str]] = []
            last = reader.line_num
            for row in reader:
                start, last = last + 1, reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if skip:
                    skip -= 1
                    continue
                lines.append(start)
                rows.append(row)
                if len(rows) >= chunk_rows:
                    yield _csv_chunk(lines, rows, wanted, width, last, names)
                    lines, rows = [], []
            if rows:
                yield _csv_chunk(lines, rows, wanted, width, source.size, names)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"cannot read {source.path} after line {last}: {exc}") from exc


def _csv_chunk(
    lines: list[int],
    rows: list[list[str]],
    wanted: list[tuple[str, int | None]],
    width: int,
    position: int,
    names: list[str] | None = None,
) -> Chunk:
    shapes = [
        f"the row has {len(r)} fields, the header {width}"
        if len(r) != width
        else _rowunstorable(r, names)
        for r in rows
    ]
    fixed = [r if shape is None else [""] * width for r, shape in zip(rows, shapes, strict=False)]
    by_position = list(zip(*fixed, strict=False))
    columns = {
        name: pa.array(by_position[i], pa.string())
        if i is not None
        else pa.nulls(len(rows), pa.string())
        for name, i in wanted
    }
    columns["_shape"] = pa.array(shapes, pa.string())
    return Chunk(lines, pa.table(columns), rows, position)


def _rowunstorable(row: list[str], names: list[str] | None) -> str | None:
    for i, value in enumerate(row):
        if value.isascii() and "\x00" not in value:
            continue
        problem = unstorable(value)
        if problem:
            name = names[i] if names and i < len(names) else f"field {i + 1}"
            return f"{name} {problem}"
    return None


def _parquet_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    names = {h.lower(): h for h in source.header}
    pf = pq.ParquetFile(source.path)
    done = 0
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows):
            table = pa.Table.from_batches([batch])
            text = pa.table({h: _as_text(table.column(h)) for h in table.column_names})
            columns = {
                c.name: text.column(names[c.name])
                if c.name in names
                else pa.nulls(len(text), pa.string())
                for c in source.kind.columns
            }
            columns["_shape"] = _nul_reasons(text)
            lines = list(range(done + 2, done + 2 + len(text)))
            done += len(text)
            yield Chunk(lines, pa.table(columns), text, done)
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"cannot read {source.path}: {exc}") from exc


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # A timestamp stays a date-time in text: the date rule takes midnight and rejects any other
    # time of day rather than cutting it.
    return pc.cast(column, pa.string())
