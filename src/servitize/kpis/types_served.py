"""Which organisation type serves each account, as the measures read it (org_types decides),
and the words users see for a type."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.org_types import service as org_types

TYPE_WORDS: dict[int, str] = {
    1: "type 1 — product, service and digital sold separately",
    2: "type 2 — service and digital integrated",
    3: "type 3 — Smart PSS bundle, components keep their revenue models",
    4: "type 4 — subscription of the whole Smart PSS",
}
UNKNOWN = "(none)"


def types_by_account(session: Session, settings: Settings, as_of: date | None) -> dict[int, int]:
    """Account id → the number of the type serving it on ``as_of`` (org_types decides)."""
    found = org_types.types_by_account(session, as_of, default_type=settings.org_types.default_type)
    return {a: s.org_type for a, s in found.items()}


def type_words(number: int | None) -> str:
    """The words users see for a type ("type 2 — service and digital integrated")."""
    return TYPE_WORDS.get(number or 0, UNKNOWN)


def words_by_account(session: Session, settings: Settings, as_of: date | None) -> dict[int, str]:
    """Account id → the words of the type serving it."""
    return {a: type_words(t) for a, t in types_by_account(session, settings, as_of).items()}
