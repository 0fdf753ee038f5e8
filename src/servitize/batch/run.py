"""Run the analytics batch stage by stage on one engine, timing each stage."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis

from servitize.batch import engines, layout, telemetry_stages
from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings


@dataclass(frozen=True)
class StageResult:
    """What one stage did: rows read, rows written, wall seconds."""

    name: str
    rows_in: int
    rows_out: int
    seconds: float


@dataclass
class Context:
    """What every stage sees: the engine's connection, the folders, and the options."""

    con: ibis.BaseBackend
    telemetry_dir: layout.Location
    out_dir: layout.Location
    write_back: bool = True
    database_url: str | None = None
    as_of: date = field(default_factory=date.today)
    settings: Settings | None = None
    notes: dict[str, Any] = field(default_factory=dict)


Stage = Callable[[Context], tuple[int, int]]


def _stages() -> dict[str, Stage]:
    from servitize.batch import contract_stages, record_stages

    return {
        "compaction": telemetry_stages.compaction,
        "availability": telemetry_stages.availability,
        "contract_availability": contract_stages.contract_availability,
        "features": record_stages.features,
        "segments": record_stages.segments,
        "leads": record_stages.leads,
        "scoring": record_stages.scoring,
        "clv": record_stages.clv,
        "billing_usage": telemetry_stages.billing_usage,
    }


STAGES = (
    "compaction",
    "availability",
    "contract_availability",
    "features",
    "segments",
    "leads",
    "scoring",
    "clv",
    "billing_usage",
)


def check_stages(stages: Sequence[str] | None) -> list[str]:
    """The stages to run, in batch order; InvalidInput naming the unknown ones."""
    if stages is None:
        return list(STAGES)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise InvalidInput(f"unknown stage {', '.join(unknown)}: use some of {', '.join(STAGES)}")
    return [s for s in STAGES if s in stages]


class _Bar:
    """One Rich progress bar per stage (nothing shown when ``progress`` is off)."""

    def __init__(self, names: list[str], enabled: bool) -> None:
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            from servitize.core.console import console

            self.bar = Progress(
                TextColumn("{task.description:<14}"),
                BarColumn(),
                TextColumn("{task.fields[rows]}"),
                TimeElapsedColumn(),
                console=console,
            )
            self.tasks = {n: self.bar.add_task(n, total=1, start=False, rows="") for n in names}

    def __enter__(self) -> _Bar:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def started(self, name: str) -> None:
        if self.bar is not None:
            self.bar.start_task(self.tasks[name])

    def finished(self, name: str, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(self.tasks[name], completed=1, rows=f"{rows:,} rows")


def run_batch(
    engine: str,
    telemetry_dir: Path | str,
    out_dir: Path | str,
    *,
    master: str | None = None,
    stages: Sequence[str] | None = None,
    write_back: bool = True,
    progress: bool = True,
    database_url: str | None = None,
    session: Any = None,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> list[StageResult]:
    """Run the chosen stages (all by default) on ``engine`` ("duckdb" or "spark").

    Telemetry is read from the store's folder ``telemetry_dir``; every result is written as
    partitioned Parquet under ``out_dir`` and, with ``write_back``, the segments and leads also
    go to the records database (``database_url``, default the configured one). ``master``: the
    Spark master URL (default local[2], or the one spark-submit set). ``session``: a
    SparkSession to reuse. ``as_of``: the day features, leads and CLV are worked out for
    (default today). While it runs the engine is Ibis's default backend, so the services that
    execute in-memory records with ``to_pyarrow()`` compute on it as well.
    """
    names = check_stages(stages)
    engines.check_engine(engine)
    share = (settings or Settings()).batch_memory_share
    spill = None if layout.is_remote(out_dir) else Path(out_dir) / ".spill"
    con = engines.connect(engine, master, session, memory_share=share, spill_dir=spill)
    ctx = Context(con, telemetry_dir, out_dir, write_back, database_url, settings=settings)
    if as_of is not None:
        ctx.as_of = as_of
    todo = _stages()
    results = []
    before = ibis.options.default_backend
    ibis.set_backend(con)
    try:
        with _Bar(names, progress) as bar:
            for name in names:
                bar.started(name)
                began = time.perf_counter()
                rows_in, rows_out = todo[name](ctx)
                results.append(StageResult(name, rows_in, rows_out, time.perf_counter() - began))
                bar.finished(name, rows_out)
    finally:
        ibis.options.default_backend = before
        if engine == "duckdb":
            con.disconnect()
            if spill is not None:
                shutil.rmtree(spill, ignore_errors=True)
        elif not layout.is_remote(out_dir):  # the records' copy (record_stages.sources)
            shutil.rmtree(Path(out_dir) / layout.RECORDS, ignore_errors=True)
    return results
