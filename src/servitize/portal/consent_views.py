"""The customer's data-sharing pages under /portal/consent: grant, narrow and revoke what each
of their accounts shares, per data kind × purpose × period; read what each purpose is used for
and which computations used the data last month; download the record (CSV, PDF).

Only the customer role; only their own accounts (another account answers 404). Writes ask
``consent.self_service``; the same service as the staff's, so the history says who changed what.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import Conflict, InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import get_account, require
from servitize.kit.brand import Brand
from servitize.telemetry import consent, consent_list, consent_record
from servitize.telemetry.consent_api import record_file
from servitize.telemetry.consent_rules import (
    COMPUTATIONS,
    DATA_KINDS,
    KIND_TEXT,
    PURPOSE_TEXT,
    PURPOSES,
)
from servitize.telemetry.consent_views import day_or_none
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession, require_role, settings_of
from servitize.trust.models import Role, User

router = APIRouter(include_in_schema=False)
PAGE = "/portal/consent"


def _brand(request: Request) -> dict[str, Any]:
    """The company's name and whether it has a logo: the portal shell's branding."""
    settings = settings_of(request)
    return {
        "company": settings.branding.name or settings.company_name,
        "has_logo": settings.branding.logo_file is not None,
    }


def _page(
    request: Request,
    session: DbSession,
    user: User,
    message: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    require_role(user, Role.customer)
    records = consent_record.records_of(session, consent_list.customer_accounts(session, user))
    return render(
        request,
        "portal/consent.html",
        _brand(request)
        | {
            "records": records,
            "kinds": DATA_KINDS,
            "purposes": PURPOSES,
            "purpose_text": PURPOSE_TEXT,
            "kind_text": KIND_TEXT,
            "computations": COMPUTATIONS,
            "message": message,
            "done": request.query_params.get("done", "")[:20],
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
def consent_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """What each of your accounts shares, with what it is used for, and the forms to change it."""
    return _page(request, session, user)


def _done(kind: str | None) -> Response:
    return RedirectResponse(f"{PAGE}?done={kind or 'unchanged'}", status_code=303)


def _agreement_account(session: DbSession, user: User, agreement_id: int) -> None:
    get_account(session, user, consent.agreement_of(session, agreement_id).account_id)


@router.post(PAGE + "/grant", response_class=HTMLResponse)
def grant_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    account_id: Annotated[Id, Form()],
    data_kinds: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    purposes: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    valid_to: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Agree to share from now on; back to the page, or the page with the reason (422)."""
    require(user, "consent.self_service")  # docs/access.md
    get_account(session, user, account_id)  # 404: not one of yours
    values = {"account_id": account_id, "data_kinds": data_kinds, "purposes": purposes}
    try:
        with session.begin_nested():
            consent.grant_now(
                session,
                actor_of(user),
                account_id,
                data_kinds,
                purposes,
                day_or_none(valid_to, "valid_to"),
                by_customer=True,
            )
    except InvalidInput as exc:
        return _page(request, session, user, exc.message, values, 422)
    return _done("grant")


@router.post(PAGE + "/{agreement_id}/change", response_class=HTMLResponse)
def change_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    agreement_id: Id,
    data_kinds: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    purposes: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    valid_to: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Share less (fewer kinds or purposes, an earlier end) or for longer."""
    require(user, "consent.self_service")  # docs/access.md
    _agreement_account(session, user, agreement_id)
    try:
        with session.begin_nested():
            _a, kind = consent.change(
                session,
                actor_of(user),
                agreement_id,
                data_kinds,
                purposes,
                day_or_none(valid_to, "valid_to"),
                by_customer=True,
            )
    except (InvalidInput, Conflict) as exc:
        return _page(request, session, user, exc.message, None, 422)
    return _done(kind)


@router.post(PAGE + "/{agreement_id}/revoke", response_class=HTMLResponse)
def revoke_page(
    request: Request, session: DbSession, user: CurrentUser, agreement_id: Id
) -> Response:
    """Stop sharing under an agreement now."""
    require(user, "consent.self_service")  # docs/access.md
    _agreement_account(session, user, agreement_id)
    try:
        with session.begin_nested():
            consent.revoke(session, actor_of(user), agreement_id, by_customer=True)
    except Conflict as exc:
        return _page(request, session, user, exc.message, None, 422)
    return _done("revoke")


@router.get(PAGE + "/record.{fmt}")
def record_download(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    fmt: Literal["csv", "pdf"],
    account_id: Annotated[Id, Query()],
) -> Response:
    """The record of an account's agreements, changes and use (CSV or PDF; the same facts)."""
    require_role(user, Role.customer)
    return record_file(session, user, account_id, fmt, Brand.of(settings_of(request)))
