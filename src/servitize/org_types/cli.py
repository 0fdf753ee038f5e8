"""``servitize org types ...``: the organisation types on the command line."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``servitize org`` group (organisation adds ``lab`` and ``simulate`` to it)."""
    org = typer.Typer(
        no_args_is_help=True,
        help="The sales organisation: its four types, who sells what and why.",
    )
    app.add_typer(org, name="org")
    types = typer.Typer(no_args_is_help=True, help="The four organisation types.")
    org.add_typer(types, name="types")
