"""Admin pages: the audit trail of every change to records and users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from servitize.core.pages import render
from servitize.trust import audit
from servitize.trust.http import CurrentUser, DbSession, require_role
from servitize.trust.models import Role

router = APIRouter(include_in_schema=False)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> HTMLResponse:
    """The newest changes, filterable by record type and id (admins only)."""
    require_role(user, Role.admin)
    rows = audit.entries(session, entity or None, entity_id or None, limit)
    return render(request, "admin/audit.html", {
        "rows": rows, "filters": {"entity": entity or "", "entity_id": entity_id or ""},
    })
