"""``servitize value-case``: the value case of an account's machines."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``servitize value-case``."""

    @app.command("value-case")
    def value_case() -> None:
        """The value case of an account's machines: savings, TCO, NPV, IRR, payback."""
        raise typer.Exit(2)
