"""Import a file of one kind: read in chunks, validate, land, report. A batch edge: it commits.

Each chunk commits on its own, with an audit entry naming its lines and counts, so rows already
reported survive a crash, the audit trail says what a killed run committed, and a re-run completes
the rest (rows landed before are then unchanged). Imports of one kind run one at a time
(``locking``): a second waits for the first. ``strict`` runs in one transaction that is
rolled back when any row is bad. A first load into an empty table runs in one transaction too,
with the table's secondary indexes built once at the end (``bulk``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from servitize.core.console import console
from servitize.core.db import utcnow
from servitize.installed_base.columns import IMPORT_ORDER, KINDS, ImportKind
from servitize.installed_base.importing import bulk, locking
from servitize.installed_base.importing.checking import Checker, Prepared
from servitize.installed_base.importing.loading import Loader
from servitize.installed_base.importing.reading import ImportFileError, Source, open_source
from servitize.installed_base.importing.rejects import RejectFile
from servitize.trust import audit

SUFFIXES = (".csv", ".parquet", ".tsv", ".txt")
SQLITE_BULK = bulk.SQLITE_BULK  # the benchmark sets the same pragmas


@dataclass
class ImportResult:
    """What one import run did; ``read == landed + rejected`` and ``landed`` splits in three."""

    kind: str
    file: str
    read: int = 0
    landed: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0  # rows in the reject file (with --strict, all rows are rejected if any is)
    rejects_file: Path | None = None
    seconds: float = 0.0
    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON data."""
        data = asdict(self)
        data["rejects_file"] = str(self.rejects_file) if self.rejects_file else None
        data["seconds"] = round(self.seconds, 3)
        return data


# What the database refused during an import (a table missing, a lock held): the command line
# catches it by this name and tells the cause, without naming SQLAlchemy.
DatabaseError = SQLAlchemyError


def database_cause(exc: BaseException) -> str:
    """The database's own words for why it refused (the driver's message when there is one)."""
    return str(getattr(exc, "orig", None) or exc)


def kind_of(name: str) -> ImportKind:
    """The import kind called ``name`` (``service_events`` works too)."""
    spec = KINDS.get(name) or KINDS.get(name.replace("_", "-"))
    if spec is None:
        raise ImportFileError(f"unknown kind {name!r}; one of: {', '.join(IMPORT_ORDER)}")
    return spec


def import_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    actor: audit.Actor,
    strict: bool = False,
    today: date | None = None,
    progress: bool = False,
    chunk_rows: int = 50_000,
    company_currency: str = "EUR",
    encoding: str = "utf-8",
    years: tuple[int, int] | None = None,
) -> ImportResult:
    """Import one CSV or Parquet file of ``kind``; ImportFileError when it cannot be read."""
    started = time.perf_counter()
    spec = kind_of(kind)
    source = open_source(Path(path), spec, encoding)
    result = ImportResult(spec.name, source.path.name, strict=strict, warnings=source.warnings)
    with locking.import_lock(engine, spec.name) as waited:
        if waited >= 1:
            result.warnings.append(
                f"waited {waited:.0f} s for another import of {spec.name} to finish"
            )
        _run(
            engine,
            spec,
            source,
            result,
            actor=actor,
            strict=strict,
            today=today,
            progress=progress,
            chunk_rows=chunk_rows,
            company_currency=company_currency,
            years=years,
        )
    result.seconds = time.perf_counter() - started
    return result


def _run(
    engine: Engine,
    spec: ImportKind,
    source: Source,
    result: ImportResult,
    *,
    actor: audit.Actor,
    strict: bool,
    today: date | None,
    progress: bool,
    chunk_rows: int,
    company_currency: str,
    years: tuple[int, int] | None,
) -> None:
    """Import ``source`` into ``result`` while holding the kind's import lock."""
    checker = Checker(spec, today or date.today(), company_currency.upper(), years)
    loader = Loader(spec, source.present, actor, utcnow())
    rejects = RejectFile(source.path, source.header)
    chunks = source.chunks(chunk_rows)
    # Reading and typing (pure) run one chunk ahead in a worker thread while the current chunk
    # is resolved and written; Arrow, DuckDB and the drivers release the GIL while they work.
    ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read")

    def prepare_next() -> Prepared | None:
        chunk = next(chunks, None)
        return None if chunk is None else checker.prepare(chunk)

    try:
        with engine.connect() as conn, _progress(progress, source) as advance:
            first_load = bulk.is_empty(conn, loader.table)
            conn.commit()
            restore = bulk.sqlite_bulk_settings(conn, first_load)
            try:
                outer = conn.begin() if strict or first_load else None
                deferred = (
                    bulk.begin_first_load(conn, loader.table, loader.key_names)
                    if first_load
                    else None
                )
                loader.first_load = first_load
                if deferred is not None:
                    loader.defaulted = bulk.constant_defaults(conn, deferred, loader.constants())
                if deferred is not None and deferred.uniques and loader.self_name:
                    loader.track_own_ids()  # its rows name other rows of the same file
                following = ahead.submit(prepare_next)
                waiting: Any = None  # rows waiting for a self reference (a later parent)
                originals: dict[int, list[str]] = {}  # their values as read, by line
                while (prepared := following.result()) is not None:
                    following = ahead.submit(prepare_next)
                    chunk = prepared.chunk
                    transaction = outer or conn.begin()
                    checked = checker.check(conn, prepared, loader.ids)
                    landed = loader.land(conn, checked.rows, waiting)
                    bad = checked.rejects + landed.rejects
                    if outer is None and (landed.inserted or landed.updated):
                        _record_chunk(
                            conn, actor, spec, result, chunk.lines, landed, len(bad), rejects.path
                        )
                    if outer is None:
                        transaction.commit()
                    waiting = landed.waiting
                    originals = _waiting_originals(waiting, originals, chunk)
                    rejects.add(chunk, bad)
                    result.read += len(chunk.lines)
                    result.invalid += len(bad)
                    result.inserted += landed.inserted
                    result.updated += landed.updated
                    result.unchanged += landed.unchanged
                    advance(chunk.position)
                if waiting is not None:  # their parents never landed: rejected now
                    left = loader.waiting_reasons(waiting)
                    rejects.add_rows([(line, why, originals[line]) for line, why in left])
                    result.invalid += len(left)
                if strict and result.invalid:
                    assert outer is not None
                    outer.rollback()
                    result.inserted = result.updated = result.unchanged = 0
                elif outer is not None:
                    if deferred is not None:
                        advance(-1)  # the bar says the indexes are being built
                        bulk.rebuild(conn, deferred)
                    result.landed = result.inserted + result.updated + result.unchanged
                    result.rejected = result.read - result.landed
                    if result.inserted or result.updated or result.invalid:
                        _record_run(conn, actor, spec, result, rejects.path)  # lands with the rows
                    outer.commit()
                result.landed = result.inserted + result.updated + result.unchanged
                result.rejected = result.read - result.landed
                if outer is None and (result.inserted or result.updated or result.invalid):
                    with conn.begin():
                        _record_run(conn, actor, spec, result, rejects.path)
            finally:
                if conn.in_transaction():
                    conn.rollback()
                restore()
    finally:
        ahead.shutdown(wait=True, cancel_futures=True)
        chunks.close()  # type: ignore[attr-defined]
        checker.close()
        result.rejects_file = rejects.close()


def _waiting_originals(
    waiting: Any, originals: dict[int, list[str]], chunk: Any
) -> dict[int, list[str]]:
    """The values as read of the rows still waiting: kept from before, or taken from ``chunk``."""
    if waiting is None:
        return {}
    kept = {}
    for index, line in zip(
        waiting.column("_idx").to_pylist(), waiting.column("_line").to_pylist(), strict=False
    ):
        kept[line] = originals[line] if line in originals else chunk.original(index)
    return kept


def _record_run(
    conn: Any, actor: audit.Actor, spec: ImportKind, result: ImportResult, rejects_file: Path
) -> None:
    """One audit entry for the run: kind, file, counts and the reject file (when rows were)."""
    counts = {k: v for k, v in result.to_json().items() if k not in ("warnings", "seconds")}
    counts["rejects_file"] = str(rejects_file) if result.invalid else None
    with Session(bind=conn) as session:
        audit.record(
            session,
            actor,
            "import",
            spec.table,
            None,
            after=counts,
            note=f"{spec.name} from {result.file}",
        )
        session.flush()


def _record_chunk(
    conn: Any,
    actor: audit.Actor,
    spec: ImportKind,
    result: ImportResult,
    lines: list[int],
    landed: Any,
    rejected: int,
    rejects_file: Path,
) -> None:
    """The audit entry of one committed chunk, in the chunk's own transaction: if the run is
    killed later, the trail still says which lines it wrote."""
    after = {
        "kind": spec.name,
        "file": result.file,
        "lines": f"{lines[0]}-{lines[-1]}",
        "inserted": landed.inserted,
        "updated": landed.updated,
        "unchanged": landed.unchanged,
        "rejected": rejected,
        "rejects_file": str(rejects_file) if rejected or result.invalid else None,
    }
    with Session(bind=conn) as session:
        audit.record(
            session,
            actor,
            "import chunk",
            spec.table,
            None,
            after=after,
            note=f"{spec.name} from {result.file}, lines {lines[0]}-{lines[-1]}",
        )
        session.flush()


def find_files(directory: Path) -> list[tuple[str, Path]]:
    """The ``<kind>.csv`` / ``.parquet`` files in ``directory``, in import order."""
    found = []
    for kind in IMPORT_ORDER:
        for stem in dict.fromkeys((kind, kind.replace("-", "_"))):
            paths = [directory / f"{stem}{suffix}" for suffix in SUFFIXES]
            hit = next((p for p in paths if p.is_file()), None)
            if hit:
                found.append((kind, hit))
                break
    return found


def import_directory(engine: Engine, directory: Path, **options: Any) -> dict[str, ImportResult]:
    """Import every kind's file present in ``directory``, in IMPORT_ORDER."""
    files = find_files(Path(directory))
    if not files:
        raise ImportFileError(f"no import files (like accounts.csv) in {directory}")
    return {kind: import_file(engine, kind, path, **options) for kind, path in files}


@contextmanager
def _progress(show: bool, source: Source) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on standard error, advanced to a position (bytes or rows); -1 says
    the rows are in and the table's indexes are being built (a first load)."""
    if not show:
        yield lambda _position: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    title = f"import {source.kind.name} {source.path.name}"
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title, total=source.size)

        def advance(position: int) -> None:
            if position < 0:
                bar.update(task, completed=source.size, description=f"{title}: building indexes")
            else:
                bar.update(task, completed=position)

        yield advance
