"""REST routes of trust: the audit trail (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from servitize.core.inputs import Moment
from servitize.trust import audit, audit_trail, users_api
from servitize.trust.http import CurrentUser, DbSession, require_role
from servitize.trust.models import Role
from servitize.trust.service import revoke_token, token_dict, tokens_of

router = APIRouter()


class AuditRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: Moment
    actor: str
    action: str
    entity: str
    entity_id: str | None
    record: str  # the record in words, as the audit page names it: "User Olga Berger (#12)"
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


@router.get("/audit", response_model=list[AuditRead], tags=["audit"])
def audit_entries(
    session: DbSession,
    user: CurrentUser,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditRead]:
    """The newest changes to records and users, for admins."""
    require_role(user, Role.admin)
    entries = audit.entries(session, entity, entity_id, limit)
    names = audit_trail.record_names(session, entries)
    return [
        AuditRead(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            record=names[e.id],
            before=e.before,
            after=e.after,
            note=e.note,
        )
        for e in entries
    ]


class TokenRead(BaseModel):
    """An API token as shown: never the token itself."""

    id: int
    user_id: int
    label: str
    created_at: Moment
    last_used_at: Moment | None
    revoked: bool
    revoked_at: Moment | None


@router.get("/tokens", response_model=list[TokenRead], tags=["tokens"])
def list_tokens(session: DbSession, user: CurrentUser, all: bool = False) -> list[TokenRead]:
    """Your API tokens; with ``all=true`` an admin sees everybody's."""
    if all:
        require_role(user, Role.admin)
    return [
        TokenRead.model_validate(token_dict(t)) for t in tokens_of(session, None if all else user)
    ]


@router.delete("/tokens/{token_id}", response_model=TokenRead, tags=["tokens"])
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: DbSession, user: CurrentUser
) -> TokenRead:
    """Revoke an API token (your own; an admin's any): it answers 401 from now on."""
    token = revoke_token(session, audit.actor_of(user), user, token_id)
    return TokenRead.model_validate(token_dict(token))


# User administration, your own password and tokens, the audit trail's pages (trust.users_api).
router.include_router(users_api.router)
