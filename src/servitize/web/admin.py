"""Admin pages: the audit trail of every change to records and users; API tokens."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.pages import render
from servitize.kit.pagination import PageParams, pages_of
from servitize.trust import audit, audit_trail
from servitize.trust.admin import require_admin
from servitize.trust.http import CurrentUser, DbSession, require_role
from servitize.trust.models import Role
from servitize.trust.service import revoke_token, tokens_of, usernames_by_id

router = APIRouter(include_in_schema=False)

AUDIT_PER_PAGE = 100


AuditText = Annotated[str | None, Query(max_length=80)]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    actor: AuditText = None,
    entity: AuditText = None,
    entity_id: AuditText = None,
    action: AuditText = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Every change, newest first, in words; filtered by who, what, which action and when,
    a page at a time, and as CSV (admins only: trust.audit_trail)."""
    require_admin(user)
    filters = audit_trail.query(actor, entity, entity_id, action, since, until)
    params = PageParams(page=page, size=AUDIT_PER_PAGE)
    rows, total = audit_trail.page(session, filters, params)
    names = audit_trail.record_names(session, rows)
    shown = {
        "actor": actor or "",
        "entity": entity or "",
        "entity_id": entity_id or "",
        "action": action or "",
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    query = urlencode({k: v for k, v in shown.items() if v})
    return render(
        request,
        "admin/audit.html",
        {
            "rows": [(e, names[e.id], audit_trail.changes(e)) for e in rows],
            "filters": shown,
            "pager": pages_of("/admin/audit", shown, params, len(rows), total),
            "csv_link": "/admin/audit.csv" + (f"?{query}" if query else ""),
        },
    )


@router.get("/admin/audit.csv")
def audit_csv(
    session: DbSession,
    user: CurrentUser,
    actor: AuditText = None,
    entity: AuditText = None,
    entity_id: AuditText = None,
    action: AuditText = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    """The matching changes as CSV, the same rows as the page and the API (admins only)."""
    require_admin(user)
    filters = audit_trail.query(actor, entity, entity_id, action, since, until)
    return Response(
        audit_trail.csv_text(session, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
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
