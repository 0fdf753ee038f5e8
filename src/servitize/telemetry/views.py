"""HTML pages of telemetry: an account's data-sharing agreements.

An account is visible when installed_base.access says so; otherwise 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.dates import check_date_in_range
from servitize.core.errors import InvalidInput
from servitize.core.pages import render
from servitize.installed_base.access import get_account, may, require
from servitize.telemetry import consent, consent_views
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession
from servitize.trust.models import User

router = APIRouter(include_in_schema=False)
router.include_router(consent_views.router)  # the 360's consent panel and /consent


def _consent_page(
    request: Request,
    session: DbSession,
    user: User,
    account_id: int,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    account = get_account(session, user, account_id)  # 404 outside the user's scope
    response = render(
        request,
        "telemetry/consent.html",
        {
            "account": account,
            "kinds": consent.DATA_KINDS,
            "purposes": consent.PURPOSES,
            "values": values or {"data_kinds": ["status"], "purposes": ["contract_verification"]},
            "message": message,
            "may_record": may(user, "consent.record"),
            "done": request.query_params.get("done", "")[:20],
        }
        | consent_views.panel_context(session, user, account.id, account.name),
    )
    response.status_code = status_code
    return response


@router.get("/accounts/{account_id}/consent", response_class=HTMLResponse)
def consent_page(
    request: Request, session: DbSession, user: CurrentUser, account_id: int
) -> HTMLResponse:
    """The account's data-sharing agreements and, for those who may, the form to record one."""
    return _consent_page(request, session, user, account_id)


def _day(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{name} is not a date (YYYY-MM-DD): {text[:40]!r}") from exc
    reason = check_date_in_range(day)
    if reason:
        raise InvalidInput(f"{name}: {reason}")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.post("/accounts/{account_id}/consent", response_class=HTMLResponse)
def consent_save(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    account_id: int,
    data_kinds: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    purposes: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    valid_from: Annotated[str, Form(max_length=40)] = "",
    valid_to: Annotated[str, Form(max_length=40)] = "",
    document: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Record an agreement (audited); back to the page, or the form again with the reason."""
    require(user, "consent.record")  # docs/access.md
    get_account(session, user, account_id)
    values = {
        "data_kinds": data_kinds,
        "purposes": purposes,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "document": document,
    }
    try:
        with session.begin_nested():
            start = _day(valid_from, "valid from")
            if start is None:
                raise InvalidInput("valid from is required")
            consent.record_agreement(
                session,
                actor_of(user),
                account_id,
                data_kinds,
                purposes,
                start,
                _day(valid_to, "valid to"),
                document or None,
            )
    except InvalidInput as exc:
        return _consent_page(request, session, user, account_id, values, exc.message, 422)
    return RedirectResponse(f"/accounts/{account_id}/consent", status_code=303)
