"""The catalogue items a quote may offer: every offering priced in the quote's currency."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Offering

LIMIT = 1000


def offerings(session: Session, currency: str | None = None) -> list[Offering]:
    """Catalogue items by name (in ``currency`` when given), at most ``LIMIT``."""
    query = select(Offering).order_by(Offering.name, Offering.id)
    if currency:
        query = query.where(Offering.currency == currency.upper())
    return list(session.scalars(query.limit(LIMIT)))
