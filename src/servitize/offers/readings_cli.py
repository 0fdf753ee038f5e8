"""``servitize import meter-readings FILE``: cumulative meter readings for usage contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servitize.core.console import console, emit_json
from servitize.core.lazy import lazy
from servitize.trust.cli import run_in_context

# pyarrow loads when an import runs, not for ``servitize --help``.
readings_import = lazy("servitize.offers.readings_import")

EXIT_OK, EXIT_REJECTED = 0, 3


def register(import_app: typer.Typer) -> None:
    """Add ``servitize import meter-readings``."""

    @import_app.command("meter-readings")
    def meter_readings(
        file: Annotated[Path, typer.Argument(help="CSV (any delimiter) or Parquet file")],
        as_user: Annotated[
            str | None, typer.Option("--as", help="act as this user (default: operator)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
        encoding: Annotated[
            str,
            typer.Option(
                "--encoding", help="the CSV file's text encoding (utf-8, cp1252, latin-1, ...)"
            ),
        ] = "utf-8",
    ) -> None:
        """Meter readings (contract, serial, read_at, reading, unit) from a CSV or Parquet file:
        a usage contract with readings is billed from them. Rejected rows and their reasons go
        to FILE.rejects.csv (exit 3)."""
        result = run_in_context(
            lambda ctx: readings_import.import_file(ctx, file, encoding), as_user, as_json
        )
        if as_json:
            emit_json(result.to_json())
        else:
            console.print(
                f"read {result.read}, landed {result.landed} ({result.inserted} new, "
                f"{result.unchanged} unchanged), rejected {result.rejected}"
            )
            if result.rejects_file:
                console.print(f"[yellow]rejected rows and reasons:[/] {result.rejects_file}")
        raise typer.Exit(EXIT_REJECTED if result.rejected else EXIT_OK)
