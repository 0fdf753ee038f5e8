"""REST routes of user administration (admins), of one's own password and tokens (everyone),
and of the audit trail's filtered pages and CSV (admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from servitize.core.inputs import Input, Moment, Text
from servitize.kit.page_query import PageQuery
from servitize.kit.pagination import Page
from servitize.trust import admin, audit, audit_trail
from servitize.trust.admin_repository import UserQuery
from servitize.trust.http import CurrentUser, DbSession, settings_of
from servitize.trust.models import AuditEntry, Role
from servitize.trust.service import token_dict, tokens_of

router = APIRouter()

UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class UserRead(BaseModel):
    """A user as an admin sees it: never the password or its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    email: str | None
    role: str
    territory: str | None
    active: bool
    must_change_password: bool


class UserChange(Input):
    """What an admin may change of a user; a field left out stays as it is."""

    role: Role | None = None
    territory: Annotated[Text, Field(max_length=80)] | None = None
    full_name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    email: Annotated[Text, Field(max_length=200)] | None = None
    active: bool | None = None


class OneTimePassword(BaseModel):
    """The one-time password of a reset, shown once."""

    user_id: int
    one_time_password: str
    must_change_password: bool = True


class TokenRequest(Input):
    """A label for a new API token."""

    label: Annotated[Text, Field(max_length=80)] = ""


class NewToken(BaseModel):
    """A new API token: the token itself appears only in this answer."""

    id: int
    user_id: int
    label: str
    created_at: Moment
    token: str


class TokenShown(BaseModel):
    """An API token as shown: never the token itself."""

    id: int
    user_id: int
    label: str
    created_at: Moment
    last_used_at: Moment | None
    revoked: bool
    revoked_at: Moment | None


class PasswordChange(Input):
    """Your current password and the new one."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Annotated[str, Field(min_length=1, max_length=200)]


@router.get("/users", response_model=Page[UserRead], tags=["users"])
def list_users(
    session: DbSession,
    user: CurrentUser,
    params: PageQuery,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[Text | None, Query(max_length=80)] = None,
) -> Page[UserRead]:
    """Users by name, a page at a time; filter by role, state, and name or email (admins)."""
    admin.require_admin(user)
    query = UserQuery(role=role, active=active, text=(q or "").strip() or None)
    rows, total = admin.users(session, query, params)
    return Page.of([UserRead.model_validate(u) for u in rows], total, params)


@router.get("/users/{user_id}", response_model=UserRead, tags=["users"])
def show_user(session: DbSession, user: CurrentUser, user_id: UserId) -> UserRead:
    """One user (admins)."""
    admin.require_admin(user)
    return UserRead.model_validate(admin.user_by_id(session, user_id))


@router.patch("/users/{user_id}", response_model=UserRead, tags=["users"])
def change_user(
    session: DbSession, user: CurrentUser, user_id: UserId, body: UserChange
) -> UserRead:
    """Change a user's role, territory, name, email or state (admins; audited). Deactivating
    stops the user's sessions and API tokens at once."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    actor = audit.actor_of(user)
    edit = admin.UserEdit(
        role=None if body.role is None else body.role.value,
        territory=body.territory,
        full_name=body.full_name,
        email=body.email,
    )
    admin.edit_user(session, actor, shown, edit)
    if body.active is not None:
        admin.set_active(session, actor, user, shown, body.active)
    return UserRead.model_validate(shown)


@router.post("/users/{user_id}/password-reset", response_model=OneTimePassword, tags=["users"])
def reset_password(session: DbSession, user: CurrentUser, user_id: UserId) -> OneTimePassword:
    """A one-time password for the user, shown once: their sessions end, and they choose their
    own password at the next login (admins; audited)."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    one_time = admin.reset_password(session, audit.actor_of(user), shown)
    return OneTimePassword(user_id=shown.id, one_time_password=one_time)


@router.get("/users/{user_id}/tokens", response_model=list[TokenShown], tags=["users"])
def user_tokens(session: DbSession, user: CurrentUser, user_id: UserId) -> list[TokenShown]:
    """A user's API tokens, newest first, never the tokens themselves (admins)."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    return [TokenShown.model_validate(token_dict(t)) for t in tokens_of(session, shown)]


def _new_token(session: Any, actor: audit.Actor, owner: Any, label: str) -> NewToken:
    token, clear = admin.create_token(session, actor, owner, label)
    return NewToken(
        id=token.id,
        user_id=token.user_id,
        label=token.label,
        created_at=token.created_at,
        token=clear,
    )


@router.post("/users/{user_id}/tokens", response_model=NewToken, status_code=201, tags=["users"])
def create_user_token(
    session: DbSession, user: CurrentUser, user_id: UserId, body: TokenRequest
) -> NewToken:
    """A new API token for the user, shown once in this answer (admins; audited)."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    return _new_token(session, audit.actor_of(user), shown, body.label)


@router.post("/tokens", response_model=NewToken, status_code=201, tags=["tokens"])
def create_own_token(session: DbSession, user: CurrentUser, body: TokenRequest) -> NewToken:
    """A new API token of your own, shown once in this answer (audited)."""
    return _new_token(session, audit.actor_of(user), user, body.label)


@router.put("/account/password", status_code=204, tags=["users"])
def change_own_password(
    request: Request, session: DbSession, user: CurrentUser, body: PasswordChange
) -> Response:
    """Replace your password (the current one is asked; the new one must meet the policy).
    Every session of yours ends; API tokens keep working."""
    min_length = settings_of(request).password_min_length
    admin.change_own_password(session, user, body.current_password, body.new_password, min_length)
    return Response(status_code=204)


# -- the audit trail ---------------------------------------------------------------------------


class ChangeRead(BaseModel):
    """One field of a change, in words."""

    field: str
    label: str
    before: str
    after: str


class AuditRow(BaseModel):
    """One audit entry, with its changes in words (the raw values too)."""

    id: int
    at: Moment
    actor: str
    action: str
    entity: str
    entity_id: str | None
    record: str
    changes: list[ChangeRead]
    described: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


def audit_row(entry: AuditEntry, record: str | None = None) -> AuditRow:
    """An entry as the API shows it (``record``: its record in words, ``record_names``)."""
    return AuditRow(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        record=record or audit_trail.record_name(entry),
        changes=[ChangeRead(**vars(c)) for c in audit_trail.changes(entry)],
        described=audit_trail.described(entry),
        before=entry.before,
        after=entry.after,
        note=entry.note,
    )


AuditText = Annotated[Text | None, Query(max_length=80)]


@router.get("/audit/entries", response_model=Page[AuditRow], tags=["audit"])
def audit_page(
    session: DbSession,
    user: CurrentUser,
    params: PageQuery,
    actor: AuditText = None,
    entity: AuditText = None,
    entity_id: AuditText = None,
    action: AuditText = None,
    since: date | None = None,
    until: date | None = None,
) -> Page[AuditRow]:
    """The audit trail a page at a time, newest first, filtered by who, what kind of record,
    which action and which days (``since`` and ``until`` included; admins)."""
    admin.require_admin(user)
    filters = audit_trail.query(actor, entity, entity_id, action, since, until)
    rows, total = audit_trail.page(session, filters, params)
    names = audit_trail.record_names(session, rows)
    return Page.of([audit_row(e, names[e.id]) for e in rows], total, params)


@router.get("/audit/entries.csv", tags=["audit"], response_class=Response)
def audit_csv(
    session: DbSession,
    user: CurrentUser,
    actor: AuditText = None,
    entity: AuditText = None,
    entity_id: AuditText = None,
    action: AuditText = None,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    """The matching audit entries as CSV, newest first (admins)."""
    admin.require_admin(user)
    filters = audit_trail.query(actor, entity, entity_id, action, since, until)
    return Response(
        audit_trail.csv_text(session, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
