"""Steps that run after an import changed records: what capabilities above installed_base do
with imported machines (the competitor scan of servitize.partners raises an alert for a
competitor new at an account).

installed_base sits below those capabilities in the layers (pyproject, [tool.importlinter]) and
imports none of them: servitize.after_import lists each step by name (``AFTER_IMPORT``) and this
module loads it when an import edge (the ``servitize import`` commands) asks, the way the app
factory mounts the routers the registry names. A step that fails is reported, never undoes the
import that landed already.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from servitize.after_import import AFTER_IMPORT
from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.trust.context import Context, cli_context

Step = Callable[[Context, frozenset[str]], str | None]


def steps_for(kinds: Iterable[str]) -> list[tuple[str, Step]]:
    """The registered steps that care about any of these import kinds, in registry order."""
    wanted = set(kinds)
    found: list[tuple[str, Step]] = []
    for name, cares in AFTER_IMPORT:
        if wanted.intersection(cares):
            module, _, function = name.partition(":")
            found.append((name, getattr(importlib.import_module(module), function)))
    return found


def run(kinds: Iterable[str], settings: Settings | None = None) -> list[str]:
    """Run the steps for the kinds an import changed, each in its own transaction as the
    operator; one line each (what it did, or why it could not)."""
    changed = frozenset(kinds)
    lines: list[str] = []
    for name, step in steps_for(changed):
        try:
            with cli_context(None, settings) as ctx:
                line = step(ctx, changed)
        except ServitizeError as exc:
            lines.append(f"{name.partition(':')[0].split('.')[1]}: not run ({exc.message})")
            continue
        if line:
            lines.append(line)
    return lines
