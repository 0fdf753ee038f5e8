"""What every CLI command shares: settings, a transaction scope, JSON output, Rich console."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.orm import Session

from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings

console = Console(stderr=True)


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
