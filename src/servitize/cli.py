"""The ``servitize`` command line: every capability adds its commands here.

``servitize --help`` answers from the table below without loading any capability (it took 3 s
and 300 MiB when every command module, and through them scikit-learn, Ibis and DuckDB, loaded
at start); ``servitize <command> ...`` loads only the capabilities that register that command.
``from servitize.cli import app`` is the whole app (tests use it); tests/test_cli_start.py
checks that the table says what the whole app registers.
"""

from __future__ import annotations

import sys

import typer

HELP = "servitize: sell Smart product-service systems."
IMPORT_HELP = "Import records from CSV or Parquet files."

# The order of registration: field adds its commands to the leads group of intelligence.
CAPABILITIES = (
    "core",
    "trust",
    "installed_base",
    "telemetry",
    "contracts",
    "intelligence",
    "field",
    "sales",
    "demo",
    "web",
)

# Every top-level group and command as the whole app lists them: name, help, whether it is a
# group, and the capabilities that register it.
COMMANDS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("import", IMPORT_HELP, True, ("installed_base", "telemetry")),
    ("db", "The records database.", True, ("core",)),
    ("users", "Users, roles and API tokens.", True, ("trust",)),
    ("audit", "The audit trail.", True, ("trust",)),
    ("accounts", "Accounts and the account 360.", True, ("installed_base",)),
    ("telemetry", "Status events and measurements from machines.", True, ("telemetry",)),
    ("consent", "Data-sharing agreements (audited).", True, ("telemetry",)),
    ("contracts", "Availability contracts.", True, ("contracts",)),
    ("downtime", "Downtime records: add, reclassify, exclude (audited).", True, ("telemetry",)),
    ("features", "The feature registry.", True, ("intelligence",)),
    ("segments", "Segments for advanced services.", True, ("intelligence",)),
    ("leads", "Leads from the installed base.", True, ("intelligence", "field")),
    ("model", "The tendency-to-buy model.", True, ("intelligence",)),
    ("opportunities", "Solution-sales opportunities through five phases.", True, ("sales",)),
    (
        "demo-data",
        "Write a sample manufacturer as the CSV files the importer reads.",
        False,
        ("demo",),
    ),
    (
        "availability",
        "Availability, downtime, planned maintenance, failures, MTBF and MTTR per serial.",
        False,
        ("telemetry",),
    ),
    (
        "proficiency",
        "Record a salesperson's digital-twin selling proficiency (audited).",
        False,
        ("intelligence",),
    ),
    ("serve", "Serve the web UI and the REST API.", False, ("web",)),
    (
        "demo",
        "Build the sample manufacturer into the configured database and serve it.",
        False,
        ("web",),
    ),
)


def _register(app: typer.Typer, import_app: typer.Typer, capability: str) -> None:
    if capability == "core":
        from servitize.core import cli as core_cli

        core_cli.register(app)
    elif capability == "trust":
        from servitize.trust import cli as trust_cli

        trust_cli.register(app)
    elif capability == "installed_base":
        from servitize.installed_base import cli as installed_base_cli

        installed_base_cli.register(app, import_app)
    elif capability == "telemetry":
        from servitize.telemetry import cli as telemetry_cli

        telemetry_cli.register(app, import_app)
    elif capability == "contracts":
        from servitize.contracts import cli as contracts_cli

        contracts_cli.register(app)
    elif capability == "intelligence":
        from servitize.intelligence import cli as intelligence_cli

        intelligence_cli.register(app)
    elif capability == "field":
        from servitize.field import cli as field_cli

        field_cli.register(app)  # adds route/escalate to the leads group
    elif capability == "sales":
        from servitize.sales import cli as sales_cli

        sales_cli.register(app)
    elif capability == "demo":
        from servitize.demo import cli as demo_cli

        demo_cli.register(app)
    elif capability == "web":
        from servitize.web import cli as web_cli

        web_cli.register(app)


def _root() -> None:
    """servitize: sell Smart product-service systems."""


def build(capabilities: tuple[str, ...] | set[str] = CAPABILITIES) -> typer.Typer:
    """The command line with the commands of the given capabilities."""
    app = typer.Typer(no_args_is_help=True, help=HELP)
    app.callback()(_root)  # a capability with one command (demo) keeps it a named subcommand
    import_app = typer.Typer(no_args_is_help=True, help=IMPORT_HELP)
    if {"installed_base", "telemetry"} & set(capabilities):
        app.add_typer(import_app, name="import")
    for capability in CAPABILITIES:
        if capability in capabilities:
            _register(app, import_app, capability)
    return app


def _listing() -> typer.Typer:
    """The top level as the whole app shows it, without loading a capability."""
    app = typer.Typer(no_args_is_help=True, help=HELP)
    for name, text, group, _capabilities in COMMANDS:
        if group:
            app.add_typer(typer.Typer(help=text), name=name)
        else:
            app.command(name, help=text)(lambda: None)
    return app


def main() -> None:
    """The ``servitize`` command: load what the command line names, nothing else."""
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    capabilities = {c for n, _text, _group, cs in COMMANDS if n == name for c in cs}
    if capabilities:
        build(capabilities)()
    elif name is None:
        _listing()()  # no command: the help (and shell completion of the command names)
    else:
        build()()  # an unknown command: the whole app says so, with its suggestions


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole app, built on first use
        app = build()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    main()
