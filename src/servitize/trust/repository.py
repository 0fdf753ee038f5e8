"""Trust's reads and writes of users, API tokens, the audit trail and login counters: the only
place in trust (and for the web shell) that builds SQL. Services keep the rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servitize.trust.models import ApiToken, AuditEntry, LoginThrottle, User

# -- users -----------------------------------------------------------------------------------


def user_by_id(session: Session, user_id: object) -> User | None:
    """The stored user with this id (any value a signed cookie may carry), or None."""
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return session.get(User, user_id)


def user_named(session: Session, username: str) -> User | None:
    """The user with exactly this name, or None."""
    return session.scalar(select(User).where(User.username == username))


def username_taken(session: Session, username: str) -> bool:
    """Whether a user of this name exists."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def usernames_by_id(session: Session) -> dict[int, str]:
    """Every user's name by id (the token and audit lists name their users)."""
    return {uid: name for uid, name in session.execute(select(User.id, User.username))}  # noqa: C416


def users_in_order(session: Session) -> list[User]:
    """Every stored user, oldest first."""
    return list(session.scalars(select(User).order_by(User.id)))


# -- API tokens ------------------------------------------------------------------------------


def tokens_newest_first(session: Session, user_id: int | None = None) -> list[ApiToken]:
    """API tokens, newest first: one user's, or everybody's (``None``)."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    """The API token with this id, or None."""
    return session.get(ApiToken, token_id)


# Every API request runs this: built once, bound per call.
_TOKEN_USER = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked.is_(False),
        User.active.is_(True),
    )
)


def live_token_and_user(session: Session, digest: str) -> tuple[ApiToken, User] | None:
    """The unrevoked token with this digest and its active user, or None."""
    found = session.execute(_TOKEN_USER, {"digest": digest}).first()
    return None if found is None else (found[0], found[1])


def token_free_to_touch(session: Session, token_id: int) -> bool:
    """Lock the token's row unless another transaction holds it (then False, without waiting)."""
    free = session.scalar(
        select(ApiToken.id).where(ApiToken.id == token_id).with_for_update(skip_locked=True)
    )
    return free is not None


# -- the audit trail -------------------------------------------------------------------------


def audit_entries(
    session: Session, entity: str | None = None, entity_id: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    """Newest audit entries first, optionally of one kind of record or one record."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    return list(session.scalars(query))


# -- login counters --------------------------------------------------------------------------


def blocked_counters(session: Session, keys: Iterable[str]) -> list[LoginThrottle]:
    """The counters among ``keys`` that carry a block (ended or not)."""
    return list(
        session.scalars(
            select(LoginThrottle).where(
                LoginThrottle.key.in_(list(keys)), LoginThrottle.blocked_until.is_not(None)
            )
        )
    )


def forget_finished_windows(session: Session, window_start_before: datetime, now: datetime) -> None:
    """Delete counters whose window began before ``window_start_before`` and that block nobody."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start < window_start_before,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
    )


def locked_counter(session: Session, key: str) -> LoginThrottle | None:
    """The counter of ``key``, its row locked for this transaction; None when there is none."""
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())


def first_count(session: Session, key: str, now: datetime) -> bool:
    """Store a new counter at one failure; False when another attempt stored it first."""
    try:
        with session.begin_nested():
            session.add(LoginThrottle(key=key, failures=1, window_start=now))
        return True
    except IntegrityError:
        return False


def forget_counter(session: Session, key: str) -> None:
    """Delete the counter of ``key``."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
