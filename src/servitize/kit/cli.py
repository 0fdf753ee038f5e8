"""Small helpers for commands: stop with an error, find a command group.

``fail(message)`` prints ``error: <message>`` (the word in red) and ends the command with exit
code 2 (bad input; give ``code=1`` for "not found"). The message is printed as written: square
brackets in it are not read as colours.

``find_group(app, name)`` is the sub-command group ``name`` that some capability added to
``app`` with ``app.add_typer``, so another capability can add its commands to it. It reads only
what Typer keeps in public attributes and raises ``LookupError`` naming the group when there
is none (or when a Typer version no longer keeps them), never an AttributeError.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.markup import escape

from servitize.core.console import console


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` in red and end the command with ``code`` (2: bad input)."""
    console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _group_name(info: object) -> str | None:
    name = getattr(info, "name", None)
    if isinstance(name, str):
        return name
    instance = getattr(info, "typer_instance", None)  # a Typer(name=...) added without a name
    inner = getattr(getattr(instance, "info", None), "name", None)
    return inner if isinstance(inner, str) else None


def find_group(app: typer.Typer, name: str) -> typer.Typer:
    """The group ``name`` added to ``app``; LookupError naming it if there is none."""
    groups = getattr(app, "registered_groups", None)
    if not isinstance(groups, list):
        raise LookupError(
            f"cannot list the command groups of this Typer {typer.__version__} app "
            f"(looking for {name!r})"
        )
    for info in groups:
        instance = getattr(info, "typer_instance", None)
        if _group_name(info) == name and isinstance(instance, typer.Typer):
            return instance
    known = ", ".join(sorted(n for n in map(_group_name, groups) if n)) or "none"
    raise LookupError(f"no command group {name!r} (groups: {known})")
