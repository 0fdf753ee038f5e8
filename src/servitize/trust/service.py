"""Create users, log them in by password or token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.trust import audit, password_policy, repository, throttle
from servitize.trust.models import ApiToken, Role, User
from servitize.trust.operator import operator
from servitize.trust.passwords import hash_password, new_token, token_digest, verify_password

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class UserFields(TypedDict):
    """The public fields of a user (never the hash), as the CLI prints and the audit keeps them."""

    username: str
    full_name: str
    email: str | None
    role: str
    territory: str | None
    active: bool
    id: int


class TokenFields(TypedDict):
    """What may be shown of an API token: never the token or its digest."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    revoked_at: datetime | None


def user_dict(user: User) -> UserFields:
    """The public fields of a user (never the hash)."""
    return UserFields(
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        role=user.role,
        territory=user.territory,
        active=user.active,
        id=user.id,
    )


def create_user(
    session: Session,
    actor: audit.Actor,
    username: str,
    role: str,
    territory: str | None = None,
    password: str | None = None,
    full_name: str = "",
    email: str | None = None,
    with_token: bool = True,
    min_length: int = password_policy.DEFAULT_MIN_LENGTH,
) -> tuple[User, str | None]:
    """Create a user; returns the user and, once, a new API token in clear. A password must
    meet the policy (trust.password_policy)."""
    username = username.strip()
    if not username:
        raise InvalidInput("a user needs a name")
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}"
        ) from None
    if repository.username_taken(session, username):
        raise Conflict(f"user {username!r} exists already")
    if password:
        password_policy.check(password, username=username, email=email, min_length=min_length)
    user = User(
        username=username,
        role=role_value.value,
        territory=territory or None,
        full_name=full_name or username,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, after=dict(user_dict(user)))
    token = issue_token(session, user, "cli") if with_token else None
    return user, token


def issue_token(session: Session, user: User, label: str = "") -> str:
    """A new API token for the user; only its digest is stored."""
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), label=label))
    session.flush()
    return token


def set_password(
    session: Session,
    actor: audit.Actor,
    user: User,
    password: str,
    min_length: int = password_policy.DEFAULT_MIN_LENGTH,
) -> None:
    """Replace a user's password (it must meet the policy: trust.password_policy)."""
    password_policy.check(password, username=user.username, email=user.email, min_length=min_length)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_generation = (user.session_generation or 0) + 1  # a new password logs out
    audit.record(session, actor, "set_password", "user", user.id)


def end_sessions(session: Session, actor: audit.Actor, user: User) -> None:
    """Log the user out on the server: every session cookie signed before stops working."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(session, actor, "logout", "user", user.id)


def token_dict(token: ApiToken) -> TokenFields:
    """What may be shown of an API token: never the token or its digest."""
    return TokenFields(
        id=token.id,
        user_id=token.user_id,
        label=token.label,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked,
        revoked_at=token.revoked_at,
    )


def tokens_of(session: Session, user: User | None = None) -> list[ApiToken]:
    """API tokens, newest first: one user's, or everybody's (``None``)."""
    return repository.tokens_newest_first(session, None if user is None else user.id)


def revoke_token(session: Session, actor: audit.Actor, by: User, token_id: int) -> ApiToken:
    """Revoke an API token: the owner their own, an admin anybody's; it answers 401 from now on.

    A token the user may not revoke answers 404, as one that does not exist.
    """
    token = repository.token_by_id(session, token_id)
    if token is None or (by.role != Role.admin.value and token.user_id != by.id):
        raise NotFound(f"API token {token_id} not found")
    if not token.revoked:
        token.revoked = True
        token.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "revoke",
            "api_token",
            token.id,
            before={"revoked": False},
            after={"revoked": True, "user_id": token.user_id},
        )
    return token


def user_by_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = repository.user_named(session, username.strip())
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def user_by_token(session: Session, token: str) -> User | None:
    """The active user owning this API token, or None."""
    found = repository.live_token_and_user(session, token_digest(token))
    if found is None:
        return None
    row, user = found
    now = utcnow()
    # Minute precision is enough to see which tokens are in use; writing on every request
    # would turn each read into a committed write.
    # Requests with one token arrive together: one takes the row, the others skip the touch
    # rather than wait for a lock held until that request commits (trust.editing).
    stale = row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL
    if stale and repository.token_free_to_touch(session, row.id):
        row.last_used_at = now
    return user


def acting_user(session: Session, username: str | None) -> User:
    """Whom a CLI command acts as: a named user's scope, or the operator who sees everything
    (trust.operator: an admin's scope, not a stored user)."""
    if username is None:
        return operator()
    user = repository.user_named(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def usernames_by_id(session: Session) -> dict[int, str]:
    """Every user's name by id (lists of tokens and changes name their users)."""
    return repository.usernames_by_id(session)


def login_candidate(session: Session, username: str, address: str, now: datetime) -> User | None:
    """Refuse a throttled username or address (429); the user of that name, or None."""
    throttle.check(session, username, address, now)
    return repository.user_named(session, username.strip())


def login_failed(session: Session, username: str, address: str, now: datetime) -> None:
    """Count a failed login for the username and the address (trust.throttle)."""
    throttle.failed(session, username, address, now)


def logged_in(session: Session, user: User) -> None:
    """A successful login: its username's failures forgotten, the login audited."""
    throttle.succeeded(session, user.username)
    audit.record(session, audit.Actor(user.username, user.id), "login", "user", user.id)
