"""REST routes of trust: the audit trail (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from servitize.trust import audit
from servitize.trust.http import CurrentUser, DbSession, require_role
from servitize.trust.models import Role

router = APIRouter(tags=["audit"])


class AuditRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


@router.get("/audit", response_model=list[AuditRead])
def audit_entries(
    session: DbSession,
    user: CurrentUser,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditRead]:
    """The newest changes to records and users, for admins."""
    require_role(user, Role.admin)
    return [AuditRead.model_validate(e) for e in audit.entries(session, entity, entity_id, limit)]
