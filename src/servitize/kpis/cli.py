"""``servitize kpis``: measures of the sales organisation."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``servitize kpis``."""
    kpis_app = typer.Typer(
        no_args_is_help=True, help="Measures of the sales organisation: CLV, CAC, MRR, scorecard."
    )
    app.add_typer(kpis_app, name="kpis")
