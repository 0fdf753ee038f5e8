"""What every CLI command shares: settings, a transaction scope, JSON output, Rich consoles.

``console`` writes to standard error (progress, warnings, errors); ``say`` writes a command's
result for a person to standard output, as words: dates as ``2026-11-30``, nothing as ``—``,
never a Python ``repr``. ``emit_json`` writes the ``--json`` answer to standard output.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings

console = Console(stderr=True)
stdout = Console(highlight=False, soft_wrap=True)
NOTHING = "—"


def refusal(exc: BaseException) -> str:
    """Why a command refused, for a person: a servitize error's message; a validation error as
    "field: what is wrong" for each field (no pydantic type names, no links)."""
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors(include_url=False):
            where = ".".join(str(x) for x in e.get("loc", ()) if not isinstance(x, int))
            msg = str(e.get("msg", "is not valid")).removeprefix("Value error, ")
            parts.append(f"{where or 'input'}: {msg}")
        return "; ".join(parts)
    message = getattr(exc, "message", None)
    return str(message if message is not None else exc)


def database_trouble(exc: BaseException) -> str | None:
    """One line with the fix when a command could not use its database (None: not that)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if not isinstance(exc, OperationalError | ProgrammingError):
        return None
    text = str(getattr(exc, "orig", None) or exc)
    missing = re.search(r'database "([^"]+)" does not exist', text)
    if missing:
        name = missing.group(1)
        return (
            f"the PostgreSQL database {name!r} does not exist: create it with "
            f"`createdb {name}`, then run `servitize db upgrade` (SERVITIZE_DATABASE_URL)"
        )
    if "connection refused" in text.lower() or "could not connect" in text.lower():
        return (
            "cannot reach the database server: is PostgreSQL running at the address in "
            "SERVITIZE_DATABASE_URL?"
        )
    if "no such table" in text or re.search(r'relation "[^"]+" does not exist', text):
        return "the database has no tables yet or is out of date: run `servitize db upgrade`"
    if "unable to open database file" in text:
        return (
            "cannot open the SQLite database file: does its folder exist? (SERVITIZE_DATABASE_URL)"
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"database error: {first}"


def words(value: Any) -> str:
    """One value as a person reads it: no ``None``, no ``datetime.date(...)``."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, ",f")
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if hasattr(value, "model_dump"):
        return words(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return words(dataclasses.asdict(value))
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)} {words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(words(v) for v in value) or NOTHING
    return str(value)


def _label(key: Any) -> str:
    return f"{str(key).replace('_', ' ')}:"


def lines(data: Any) -> list[str]:
    """A result as lines "label: value" (a mapping or model), one per item (a list)."""
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    if isinstance(data, dict):
        return [f"{_label(k)} {words(v)}" for k, v in data.items()]
    if isinstance(data, list | tuple):
        return [words(item) for item in data]
    return [words(data)]


def say(data: Any) -> None:
    """Print a command's result for a person on standard output (Rich markup in text kept;
    tables printed as tables; mappings and models as "label: value" lines)."""
    if isinstance(data, str) or hasattr(data, "__rich_console__"):
        stdout.print(data)
        return
    for line in lines(data):
        stdout.print(escape(line))


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(data: Any) -> str:
    """JSON text of plain data, Pydantic models, dates and decimals."""
    return json.dumps(data, default=_default, ensure_ascii=False)


def emit_json(data: Any) -> None:
    """Print one JSON document on standard output (progress goes to standard error)."""
    print(dumps(data))


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session whose transaction commits when the command succeeds."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
