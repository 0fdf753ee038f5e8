"""Create users, log them in by password or token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from servitize.core.db import as_utc, utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.trust import audit
from servitize.trust.models import ApiToken, Role, User
from servitize.trust.passwords import hash_password, new_token, token_digest, verify_password

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
USER_FIELDS = ("username", "full_name", "email", "role", "territory", "active")


def user_dict(user: User) -> dict[str, object]:
    """The public fields of a user (never the hash)."""
    return {f: getattr(user, f) for f in USER_FIELDS} | {"id": user.id}


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
) -> tuple[User, str | None]:
    """Create a user; returns the user and, once, a new API token in clear."""
    username = username.strip()
    if not username:
        raise InvalidInput("a user needs a name")
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}"
        ) from None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
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
    audit.record(session, actor, "create", "user", user.id, after=user_dict(user))
    token = issue_token(session, user, "cli") if with_token else None
    return user, token


def issue_token(session: Session, user: User, label: str = "") -> str:
    """A new API token for the user; only its digest is stored."""
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), label=label))
    session.flush()
    return token


def set_password(session: Session, actor: audit.Actor, user: User, password: str) -> None:
    """Replace a user's password."""
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters")
    user.password_hash = hash_password(password)
    user.session_generation = (user.session_generation or 0) + 1  # a new password logs out
    audit.record(session, actor, "set_password", "user", user.id)


def end_sessions(session: Session, actor: audit.Actor, user: User) -> None:
    """Log the user out on the server: every session cookie signed before stops working."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(session, actor, "logout", "user", user.id)


def token_dict(token: ApiToken) -> dict[str, object]:
    """What may be shown of an API token: never the token or its digest."""
    return {
        "id": token.id,
        "user_id": token.user_id,
        "label": token.label,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked": token.revoked,
        "revoked_at": token.revoked_at,
    }


def tokens_of(session: Session, user: User | None = None) -> list[ApiToken]:
    """API tokens, newest first: one user's, or everybody's (``None``)."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, actor: audit.Actor, by: User, token_id: int) -> ApiToken:
    """Revoke an API token: the owner their own, an admin anybody's; it answers 401 from now on.

    A token the user may not revoke answers 404, as one that does not exist.
    """
    token = session.get(ApiToken, token_id)
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
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


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


def user_by_token(session: Session, token: str) -> User | None:
    """The active user owning this API token, or None."""
    found = session.execute(_TOKEN_USER, {"digest": token_digest(token)}).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    # Minute precision is enough to see which tokens are in use; writing on every request
    # would turn each read into a committed write.
    if row.last_used_at is None or now - as_utc(row.last_used_at) > TOKEN_TOUCH_INTERVAL:
        # Requests with one token arrive together: one takes the row, the others skip the
        # touch rather than wait for a lock held until that request commits (trust.editing).
        free = session.scalar(
            select(ApiToken.id).where(ApiToken.id == row.id).with_for_update(skip_locked=True)
        )
        if free is not None:
            row.last_used_at = now
    return user


def acting_user(session: Session, username: str | None) -> User:
    """Whom a CLI command acts as: a named user's scope, or the operator who sees everything."""
    if username is None:
        return User(id=0, username="cli", role=Role.admin.value)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user
