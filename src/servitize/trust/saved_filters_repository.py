"""All SQL of saved filters: a user's filters of a list, save one, delete one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.errors import NotFound
from servitize.trust.models import User
from servitize.trust.saved_filters import SavedFilter, clean_name, clean_path, clean_query


def of_list(session: Session, user: User, list_path: str) -> list[SavedFilter]:
    """The user's own saved filters of one list, by name."""
    return list(
        session.scalars(
            select(SavedFilter)
            .where(SavedFilter.user_id == user.id, SavedFilter.list_path == list_path)
            .order_by(SavedFilter.name, SavedFilter.id)
        )
    )


def save(session: Session, user: User, list_path: str, name: str, query: str) -> SavedFilter:
    """Keep the list's filter and sort under a name; the same name again replaces it."""
    path, name, query = clean_path(list_path), clean_name(name), clean_query(query)
    found = session.scalar(
        select(SavedFilter).where(
            SavedFilter.user_id == user.id,
            SavedFilter.list_path == path,
            SavedFilter.name == name,
        )
    )
    if found is None:
        found = SavedFilter(user_id=user.id, list_path=path, name=name, query=query)
        session.add(found)
    else:
        found.query = query
    session.flush()
    return found


def get_own(session: Session, user: User, filter_id: int) -> SavedFilter:
    """One of the user's saved filters; NotFound for anyone else's (never tell which)."""
    found = session.get(SavedFilter, filter_id)
    if found is None or found.user_id != user.id:
        raise NotFound(f"saved filter {filter_id} not found")
    return found


def delete(session: Session, user: User, filter_id: int) -> str:
    """Delete one of the user's saved filters; the path of its list."""
    found = get_own(session, user, filter_id)
    path = found.list_path
    session.delete(found)
    session.flush()
    return path
