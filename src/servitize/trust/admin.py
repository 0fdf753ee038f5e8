"""User administration: the list of users, a user's role and territory, deactivation, password
resets and own password changes, API tokens per user. Every change is audited.

Only admins manage users (``user.manage`` in docs/access.md); trust sits below the access table
(installed_base.access), so its edges ask ``require_admin`` here, and the role × action test
checks that both say the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.kit.pagination import PageParams
from servitize.kit.sorting import Sort
from servitize.trust import admin_repository, audit, password_policy, repository
from servitize.trust.admin_repository import UserQuery
from servitize.trust.models import ApiToken, Role, User
from servitize.trust.passwords import hash_password, new_token, token_digest, verify_password
from servitize.trust.service import user_dict

# A one-time password: 18 random bytes in URL-safe text (24 characters), never stored in clear.
ONE_TIME_BYTES = 18


def require_admin(user: User) -> None:
    """PermissionDenied (403) unless the user may manage users (``user.manage``: admins)."""
    if user.role != Role.admin.value:
        raise PermissionDenied(
            f"the role {user.role} may not manage users or read the audit trail; that is for: admin"
        )


def role_of(value: str, field: str = "role") -> Role:
    """A role by its name; InvalidInput naming the field and the roles otherwise."""
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(
            f"{field}: unknown role {value!r}; one of: {', '.join(r.value for r in Role)}"
        ) from None


def users(
    session: Session, query: UserQuery, params: PageParams, sort: Sort | None = None
) -> tuple[list[User], int]:
    """One page of users by name (or ``sort``), and how many match the filters."""
    return admin_repository.users_page(session, query, params, sort)


def user_by_id(session: Session, user_id: int) -> User:
    """The stored user with this id; NotFound otherwise."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def user_named(session: Session, username: str) -> User:
    """The stored user of this name; NotFound otherwise."""
    user = repository.user_named(session, username.strip())
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


@dataclass(frozen=True)
class UserEdit:
    """What an admin may change of a user; ``None`` leaves a field as it is (an empty territory
    or email clears it)."""

    role: str | None = None
    territory: str | None = None
    full_name: str | None = None
    email: str | None = None


def _keeps_an_admin(session: Session, user: User) -> None:
    if (
        user.role == Role.admin.value
        and user.active
        and admin_repository.active_admins(session) <= 1
    ):
        raise Conflict(f"{user.username} is the last active admin; make another admin first")


def edit_user(session: Session, actor: audit.Actor, user: User, edit: UserEdit) -> User:
    """Change a user's role, territory, name or email (audited with the values before)."""
    before = dict(user_dict(user))
    if edit.role is not None:
        role = role_of(edit.role)
        if role.value != user.role:
            _keeps_an_admin(session, user)
            user.role = role
    if edit.territory is not None:
        user.territory = edit.territory.strip()[:80] or None
    if edit.full_name is not None:
        name = edit.full_name.strip()
        if not name:
            raise InvalidInput("full_name: must not be empty")
        user.full_name = name[:200]
    if edit.email is not None:
        email = edit.email.strip()
        if email and ("@" not in email or len(email) > 200):
            raise InvalidInput(f"email: {email!r} is not an email address")
        user.email = email or None
    session.flush()
    old, new = audit.diff(before, dict(user_dict(user)))
    if new:
        audit.record(session, actor, "update", "user", user.id, before=old, after=new)
    return user


def set_active(session: Session, actor: audit.Actor, by: User, user: User, active: bool) -> User:
    """Deactivate or reactivate a user. A deactivated user's sessions and API tokens stop
    working at once (both are checked against ``active`` on every request); their session
    generation moves on too, so reactivating does not bring old cookies back."""
    if user.active == active:
        return user
    if not active:
        if user.id == by.id:
            raise Conflict("you cannot deactivate yourself; ask another admin")
        _keeps_an_admin(session, user)
    user.active = active
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(
        session,
        actor,
        "reactivate" if active else "deactivate",
        "user",
        user.id,
        before={"active": not active},
        after={"active": active},
    )
    return user


def reset_password(session: Session, actor: audit.Actor, user: User) -> str:
    """Give the user a one-time password, shown once to the admin: it ends the user's sessions,
    and the user must choose their own password at the next login."""
    one_time = secrets.token_urlsafe(ONE_TIME_BYTES)
    user.password_hash = hash_password(one_time)
    user.must_change_password = True
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(
        session,
        actor,
        "reset_password",
        "user",
        user.id,
        after={"must_change_password": True},
    )
    return one_time


def change_own_password(
    session: Session, user: User, current: str, new: str, min_length: int
) -> None:
    """The user replaces their password: the current one must match, the new one meet the
    policy and differ from it. Every other session of theirs ends (the caller signs a new
    cookie for this one)."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("current_password: is not your current password")
    if new == current:
        raise InvalidInput("new_password: must differ from the current password")
    password_policy.check(
        new, username=user.username, email=user.email, min_length=min_length, field="new_password"
    )
    was_forced = bool(user.must_change_password)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(
        session,
        audit.actor_of(user),
        "change_password",
        "user",
        user.id,
        before={"must_change_password": True} if was_forced else None,
        after={"must_change_password": False} if was_forced else None,
    )


def create_token(
    session: Session, actor: audit.Actor, user: User, label: str
) -> tuple[ApiToken, str]:
    """A new API token for the user: the row and, once, the token in clear (audited, never the
    token)."""
    label = label.strip()
    if len(label) > 80:
        raise InvalidInput("label: at most 80 characters")
    if not user.active:
        raise Conflict(f"{user.username} is deactivated; reactivate them first")
    clear = new_token()
    token = ApiToken(user_id=user.id, token_hash=token_digest(clear), label=label)
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "api_token",
        token.id,
        after={"user_id": user.id, "label": label},
    )
    return token, clear


def token_of(session: Session, user: User, token_id: int) -> ApiToken:
    """One of the user's API tokens; NotFound for any other."""
    token = repository.token_by_id(session, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"API token {token_id} not found")
    return token
