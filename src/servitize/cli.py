"""The ``servitize`` command line: every capability adds its commands here."""

from __future__ import annotations

import typer

from servitize.core import cli as core_cli
from servitize.field import cli as field_cli
from servitize.installed_base import cli as installed_base_cli
from servitize.intelligence import cli as intelligence_cli
from servitize.sales import cli as sales_cli
from servitize.telemetry import cli as telemetry_cli
from servitize.trust import cli as trust_cli
from servitize.web import cli as web_cli

app = typer.Typer(no_args_is_help=True, help="servitize: sell Smart product-service systems.")
import_app = typer.Typer(no_args_is_help=True, help="Import records from CSV or Parquet files.")
app.add_typer(import_app, name="import")

core_cli.register(app)
trust_cli.register(app)
installed_base_cli.register(app, import_app)
telemetry_cli.register(app, import_app)
intelligence_cli.register(app)
field_cli.register(app)  # adds route/escalate to the leads group
sales_cli.register(app)
web_cli.register(app)

if __name__ == "__main__":
    app()
