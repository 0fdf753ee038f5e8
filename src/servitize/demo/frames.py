"""Turning numpy columns into CSV text quickly: ids, codes, money, dates, choices (Arrow)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = np.datetime64("1970-01-01", "D")
_NEEDS_QUOTES = r'[",\n\r]'


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """External ids like ``A0000042``: a prefix and a zero-padded number."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def pick(choices: Sequence[str], index: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """``choices[index]`` as strings; empty where ``mask`` is true."""
    out = pa.array(list(choices), pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))
    return blank(out, mask)


def blank(values: pa.Array, mask: np.ndarray | None) -> pa.Array:
    """``values`` with nulls (empty cells) where ``mask`` is true."""
    if mask is None or not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.nulls(len(values), values.type), values)


def fixed(scaled: np.ndarray, decimals: int, mask: np.ndarray | None = None) -> pa.Array:
    """Non-negative integers in units of 10**-decimals as decimal text (``1234`` -> ``12.34``)."""
    scaled = np.asarray(scaled, dtype=np.int64)
    unit = 10**decimals
    whole = pa.array(scaled // unit).cast(pa.string())
    if decimals == 0:
        return blank(whole, mask)
    frac = pc.utf8_lpad(pa.array(scaled % unit).cast(pa.string()), decimals, "0")
    return blank(pc.binary_join_element_wise(whole, frac, "."), mask)


def money(amount: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Amounts in major units, rounded to cents, as ``123.45``."""
    return fixed(np.rint(np.asarray(amount) * 100).astype(np.int64), 2, mask)


def days(day: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 (or datetime64[D]) as ISO dates."""
    day = np.asarray(day)
    if day.dtype.kind == "M":
        day = (day - EPOCH).astype(np.int64)
    arr = pa.array(day.astype(np.int32)).cast(pa.date32()).cast(pa.string())
    return blank(arr, mask)


def text(values: Sequence[str] | np.ndarray) -> pa.Array:
    """Plain Python strings as a string column."""
    return pa.array(
        list(values) if not isinstance(values, np.ndarray) else values.tolist(), pa.string()
    )


def join(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    """Element-wise concatenation of string columns and constants."""
    return pc.binary_join_element_wise(*parts, sep)


def _quoted(col: pa.Array) -> pa.Array:
    """A column as CSV cells: quoted where a cell holds a comma, quote or newline."""
    col = col.cast(pa.string())
    needs = pc.fill_null(pc.match_substring_regex(col, _NEEDS_QUOTES), False)
    if not pc.any(needs).as_py():
        return col
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, col)


class CsvStream:
    """A CSV file written in chunks: the header once, then rows; flat memory."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._file: BinaryIO = path.open("wb")
        self._file.write((",".join(self.columns) + "\n").encode())

    def write(self, table: dict[str, pa.Array]) -> None:
        """Append rows given as one string column per header name (missing names stay empty)."""
        n = len(next(iter(table.values())))
        if n == 0:
            return
        cells = []
        for name in self.columns:
            col = table.get(name)
            cells.append(pa.nulls(n, pa.string()) if col is None else _quoted(col))
        cells[-1] = pc.binary_join_element_wise(
            cells[-1], "\n", "", null_handling="replace", null_replacement=""
        )
        lines = pc.binary_join_element_wise(
            *cells, ",", null_handling="replace", null_replacement=""
        )
        lines = pa.concat_arrays([lines]) if isinstance(lines, pa.ChunkedArray) else lines
        offsets = np.frombuffer(
            lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4
        )
        data = lines.buffers()[2]
        self._file.write(memoryview(data)[offsets[0] : offsets[-1]])
        self.rows += n

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()
