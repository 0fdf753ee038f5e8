"""Admin pages: the audit trail of every change to records and users; API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.pages import render
from servitize.trust import audit
from servitize.trust.http import CurrentUser, DbSession, require_role
from servitize.trust.models import Role
from servitize.trust.service import revoke_token, tokens_of, usernames_by_id

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
    return render(
        request,
        "admin/audit.html",
        {
            "rows": rows,
            "filters": {"entity": entity or "", "entity_id": entity_id or ""},
        },
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Every API token, whose it is and when it was last used; revoke one (admins only)."""
    require_role(user, Role.admin)
    names = usernames_by_id(session)
    rows = [(t, names.get(t.user_id, "?")) for t in tokens_of(session)]
    return render(request, "admin/tokens.html", {"rows": rows})


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_page(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: DbSession, user: CurrentUser
) -> Response:
    """Revoke an API token (admins only); back to the list."""
    require_role(user, Role.admin)
    revoke_token(session, audit.actor_of(user), user, token_id)
    return RedirectResponse("/admin/tokens", status_code=303)
