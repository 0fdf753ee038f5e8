"""``servitize batch``: the whole analytics batch on DuckDB or Spark."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servitize.core.console import console
from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.kit.cli import fail

if TYPE_CHECKING:
    from servitize.batch.run import StageResult


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command."""

    @app.command("batch")
    def batch(
        engine: Annotated[str, typer.Option(help="duckdb (one process) or spark.")] = "duckdb",
        master: Annotated[
            str | None, typer.Option(help="Spark master URL (default local[2]).")
        ] = None,
        stages: Annotated[
            str | None,
            typer.Option(help="Comma-separated stages to run (default all, in batch order)."),
        ] = None,
        telemetry_dir: Annotated[
            str | None, typer.Option(help="The telemetry store (default the configured one).")
        ] = None,
        out: Annotated[
            str | None,
            typer.Option(help="Where the Parquet results go (default <data dir>/batch)."),
        ] = None,
        write_back: Annotated[
            bool, typer.Option(help="Write segments and leads to the records database.")
        ] = True,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="The day of features, leads and CLV (default today)."),
        ] = None,
    ) -> None:
        """Run the analytics batch (compaction to billing usage) on DuckDB or Spark."""
        from servitize.batch.engines import check_engine
        from servitize.batch.run import check_stages, run_batch

        settings = Settings()
        chosen = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            fail(f"--as-of must be a day as YYYY-MM-DD, not {as_of!r}")
        try:
            check_engine(engine)
            check_stages(chosen)
            results = run_batch(
                engine,
                _location(telemetry_dir) if telemetry_dir else settings.telemetry_dir,
                _location(out) if out else settings.data_dir / "batch",
                master=master,
                stages=chosen,
                write_back=write_back,
                database_url=settings.database_url,
                as_of=day,
                settings=settings,
            )
        except ServitizeError as exc:
            fail(exc.message)
        _summary(engine, results)


def _location(text: str) -> Path | str:
    """A local folder as a Path; an object-storage URL kept as written."""
    return text if "://" in text else Path(text)


def _summary(engine: str, results: list[StageResult]) -> None:
    from rich.table import Table

    table = Table(title=f"analytics batch on {engine}")
    for column in ("stage", "rows in", "rows out", "seconds"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for r in results:
        table.add_row(r.name, f"{r.rows_in:,}", f"{r.rows_out:,}", f"{r.seconds:.2f}")
    console.print(table)
