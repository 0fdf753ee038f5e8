"""The ``servitize`` command line: every capability adds its commands here.

``servitize --help`` answers from the table of ``servitize.capabilities`` without loading any
capability (it took 3 s and 300 MiB when every command module, and through them scikit-learn,
Ibis and DuckDB, loaded at start); ``servitize <command> ...`` loads only the capabilities that
register that command. ``from servitize.cli import app`` is the whole app (tests use it);
tests/test_cli_start.py checks that the table says what the whole app registers.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NoReturn

import typer
from rich.markup import escape

from servitize.capabilities import CAPABILITIES as REGISTRY
from servitize.capabilities import IMPORT_HELP, top_level_commands

HELP = "servitize: sell Smart product-service systems."

# The order of registration (servitize.capabilities): field adds its commands to the leads group
# of intelligence.
CAPABILITIES = tuple(c.name for c in REGISTRY if c.cli)

# Every top-level group and command as the whole app lists them: name, help, whether it is a
# group, and the capabilities that register it.
COMMANDS = top_level_commands()


def _register(app: typer.Typer, import_app: typer.Typer, capability: str) -> None:
    """Load a capability's command module and let it add its commands."""
    entry = next(c for c in REGISTRY if c.name == capability)
    module = importlib.import_module(entry.module("cli"))
    if entry.imports:
        module.register(app, import_app)
    else:
        module.register(app)


def _root() -> None:
    """servitize: sell Smart product-service systems."""


def build(capabilities: tuple[str, ...] | set[str] = CAPABILITIES) -> typer.Typer:
    """The command line with the commands of the given capabilities."""
    app = typer.Typer(no_args_is_help=True, help=HELP)
    app.callback()(_root)  # a capability with one command (demo) keeps it a named subcommand
    import_app = typer.Typer(no_args_is_help=True, help=IMPORT_HELP)
    if {c.name for c in REGISTRY if c.imports} & set(capabilities):
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
    """The ``servitize`` command: load what the command line names, nothing else.

    A missing database, Ctrl-C and the like end in one line on standard error, not a
    traceback; leaving through ``os._exit`` after such an end keeps DuckDB's extension from
    printing its "nanobind: leaked" warnings for the objects the interruption left behind.
    """
    try:
        _run()
    except KeyboardInterrupt:
        print("stopped (Ctrl-C)", file=sys.stderr)
        _leave(130)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code or _command_name() in LONG_RUNNING:  # a server stopped by Ctrl-C ends here too
            _leave(code)
        raise
    except Exception as exc:
        from servitize.core.console import console, database_trouble  # only now: --help stays light

        trouble = database_trouble(exc)
        if trouble is None:
            raise
        console.print(f"[red]error:[/] {escape(trouble)}", soft_wrap=True)
        _leave(2)


def _leave(code: int) -> NoReturn:
    """End the process now with ``code`` (output flushed; no interpreter teardown when
    DuckDB is loaded, whose teardown after an interruption prints pages of warnings)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if "duckdb" in sys.modules:
        os._exit(code)
    sys.exit(code)


# Commands that run until stopped; Ctrl-C ends them normally, and quietly.
LONG_RUNNING = frozenset({"serve", "demo", "telemetry"})


def _command_name() -> str | None:
    return next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)


def _run() -> None:
    name = _command_name()
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
