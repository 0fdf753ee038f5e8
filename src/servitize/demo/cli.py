"""``servitize demo-data``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from servitize.core.lazy import lazy

generate = lazy("servitize.demo.generate")  # pandas loads when the command runs


def register(app: typer.Typer) -> None:
    """Add the ``demo-data`` command."""

    @app.command("demo-data")
    def demo_data_command(
        accounts: Annotated[int, typer.Option(min=1, help="accounts (about 10 assets each)")] = 300,
        seed: Annotated[int, typer.Option(min=0, help="same seed, same files")] = 42,
        out: Annotated[Path, typer.Option(help="folder to write the CSV files into")] = Path(
            "demo-data"
        ),
        today: Annotated[str | None, typer.Option(help="reference date YYYY-MM-DD")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    ) -> None:
        """Write a sample manufacturer as the CSV files the importer reads."""
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise typer.BadParameter("--today must be a date YYYY-MM-DD") from None
        files = generate.demo_data(out, accounts, seed, day, progress=not as_json)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "out": str(out),
                        "files": {
                            kind: {"path": str(path), "rows": rows}
                            for kind, (path, rows) in files.items()
                        },
                    }
                )
            )
            return
        table = Table(title=f"Sample manufacturer in {out}")
        table.add_column("kind")
        table.add_column("file")
        table.add_column("rows", justify="right")
        for kind, (path, rows) in files.items():
            table.add_row(kind, str(path), f"{rows:,}")
        Console().print(table)
