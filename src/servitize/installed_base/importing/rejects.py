"""The reject file next to the input: line, reason in words, then the row as it was (a value
that a spreadsheet would run as a formula starts with an apostrophe)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from servitize.core.cells import safe_row
from servitize.core.file_text import readable
from servitize.installed_base.importing.reading import Chunk


def rejects_path(path: Path) -> Path:
    """``FILE.rejects.csv`` beside ``FILE``."""
    return path.with_name(path.name + ".rejects.csv")


class RejectFile:
    """Written as rejects come, flushed per chunk; removed when nothing was rejected."""

    def __init__(self, source: Path, header: list[str]) -> None:
        self.path = rejects_path(source)
        self.header = header
        self.count = 0
        self._file: IO[str] | None = None
        self.path.unlink(missing_ok=True)  # a reject file of an earlier run is stale

    def add(self, chunk: Chunk, rejects: list[tuple[int, int, str]]) -> None:
        """Write one chunk's rejects ``(index, line, reason)`` in line order."""
        if not rejects:
            return
        self._open()
        for index, line, reason in sorted(rejects, key=lambda r: r[1]):
            # Values as the file had them, but never a live formula in a spreadsheet, and bytes
            # that were not text written as \xff.
            original = [readable(v) for v in chunk.original(index)]
            self._writer.writerow([line, *safe_row([reason, *original])])
        self._file.flush()  # type: ignore[union-attr]
        self.count += len(rejects)

    def add_rows(self, rows: list[tuple[int, str, list[str]]]) -> None:
        """Write rejects known by line, reason and values as read (rows that waited)."""
        if not rows:
            return
        self._open()
        for line, reason, values in sorted(rows, key=lambda r: r[0]):
            self._writer.writerow([line, *safe_row([reason, *(readable(v) for v in values)])])
        self._file.flush()  # type: ignore[union-attr]
        self.count += len(rows)

    def _open(self) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(safe_row(["line", "reason", *self.header]))

    def close(self) -> Path | None:
        """Close the file; its path, or None when nothing was rejected."""
        if self._file is None:
            return None
        self._file.close()
        return self.path
