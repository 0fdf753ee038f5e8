"""``servitize accounts`` and the installed-base import commands."""

from __future__ import annotations

import typer

from servitize.installed_base import accounts_cli
from servitize.installed_base.importing import cli as importing_cli


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the installed-base commands to the root CLI."""
    accounts_cli.register(app)
    importing_cli.register(import_app)
