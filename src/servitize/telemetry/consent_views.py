"""Staff pages of consent: the account 360's consent panel (HTMX), narrowing and revoking an
agreement from it, and /consent: the agreements across the visible accounts, filtered, as CSV.

An account outside the user's scope answers 404; a change asks ``consent.record``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.dates import check_date_in_range
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import get_account, may, require
from servitize.telemetry import consent, consent_list, consent_record
from servitize.telemetry.consent_rules import (
    COMPUTATIONS,
    DATA_KINDS,
    KIND_TEXT,
    PURPOSE_TEXT,
    PURPOSES,
    STATES,
)
from servitize.trust.audit import actor_of
from servitize.trust.http import CurrentUser, DbSession
from servitize.trust.models import User

router = APIRouter(include_in_schema=False)


def day_or_none(text: str | None, name: str) -> datetime | None:
    """A form's YYYY-MM-DD as 00:00 UTC of that day; empty: None; bad: InvalidInput naming it."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} is not a date (YYYY-MM-DD): {text[:40]!r}") from exc
    reason = check_date_in_range(day)
    if reason:
        raise InvalidInput(f"{name}: {reason}")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def panel_context(
    session: DbSession, user: User, account_id: int, account_name: str
) -> dict[str, Any]:
    """What the consent panel shows: the account's record and who may change it."""
    record = consent_record.records_of(session, [(account_id, account_name)])[0]
    return {
        "record": record,
        "may_record": may(user, "consent.record"),
        "kinds": DATA_KINDS,
        "purposes": PURPOSES,
        "purpose_text": PURPOSE_TEXT,
        "kind_text": KIND_TEXT,
        "computations": COMPUTATIONS,
        "base": f"/accounts/{account_id}/consent",
    }


@router.get("/accounts/{account_id}/consent-panel", response_class=HTMLResponse)
def consent_panel(
    request: Request, session: DbSession, user: CurrentUser, account_id: Id
) -> HTMLResponse:
    """The account's agreements, their history and last month's use, for the 360 (HTMX)."""
    account = get_account(session, user, account_id)  # 404 outside the scope
    return render(
        request,
        "telemetry/_consent_panel.html",
        panel_context(session, user, account.id, account.name),
    )


def _back(account_id: int, done: str) -> Response:
    return RedirectResponse(f"/accounts/{account_id}/consent?done={done}", status_code=303)


def _again(
    request: Request, session: DbSession, user: User, account_id: int, message: str
) -> HTMLResponse:
    """The account's consent page again with the reason (422)."""
    account = get_account(session, user, account_id)
    context = panel_context(session, user, account.id, account.name) | {
        "account": account,
        "values": {"data_kinds": ["status"], "purposes": ["contract_verification"]},
        "message": message,
    }
    return render(request, "telemetry/consent.html", context, status_code=422)


def _of_account(session: DbSession, user: User, account_id: int, agreement_id: int) -> None:
    get_account(session, user, account_id)  # 404 outside the scope
    if consent.agreement_of(session, agreement_id).account_id != account_id:
        raise NotFound(f"data-sharing agreement {agreement_id} not found")


@router.post("/accounts/{account_id}/consent/{agreement_id}/change", response_class=HTMLResponse)
def change_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    account_id: Id,
    agreement_id: Id,
    data_kinds: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    purposes: Annotated[list[str], Form(max_length=8)] = [],  # noqa: B006
    valid_to: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Narrow an agreement or change its end from the 360; back to the page, or the reason."""
    require(user, "consent.record")  # docs/access.md
    _of_account(session, user, account_id, agreement_id)
    try:
        with session.begin_nested():
            _agreement, kind = consent.change(
                session,
                actor_of(user),
                agreement_id,
                data_kinds,
                purposes,
                day_or_none(valid_to, "valid_to"),
            )
    except (InvalidInput, Conflict) as exc:
        return _again(request, session, user, account_id, exc.message)
    return _back(account_id, kind or "unchanged")


@router.post("/accounts/{account_id}/consent/{agreement_id}/revoke", response_class=HTMLResponse)
def revoke_page(
    request: Request, session: DbSession, user: CurrentUser, account_id: Id, agreement_id: Id
) -> Response:
    """Revoke an agreement from the 360: the next computation no longer reads the data."""
    require(user, "consent.record")  # docs/access.md
    _of_account(session, user, account_id, agreement_id)
    try:
        with session.begin_nested():
            consent.revoke(session, actor_of(user), agreement_id)
    except Conflict as exc:
        return _again(request, session, user, account_id, exc.message)
    return _back(account_id, "revoke")


def _filters(state: str | None, kind: str | None, purpose: str | None) -> dict[str, str | None]:
    """The filters, each None unless it is one of its known values (never an error)."""
    return {
        "state": state if state in STATES else None,
        "kind": kind if kind in DATA_KINDS else None,
        "purpose": purpose if purpose in PURPOSES else None,
    }


@router.get("/consent", response_class=HTMLResponse)
def consent_list_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    purpose: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The agreements of the accounts the user may see, by state, data kind and purpose."""
    f = _filters(state, kind, purpose)
    rows = consent_list.agreements(session, user, f["state"], f["kind"], f["purpose"])
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(
        request,
        "telemetry/consent_list.html",
        {
            "rows": rows,
            "filters": f,
            "states": STATES,
            "kinds": DATA_KINDS,
            "purposes": PURPOSES,
            "csv": "/consent.csv" + (f"?{query}" if query else ""),
            "limit": consent_list.LIMIT,
        },
    )


@router.get("/consent.csv")
def consent_list_csv(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    purpose: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The filtered agreements as CSV: the same rows as the page."""
    f = _filters(state, kind, purpose)
    rows = consent_list.agreements(session, user, f["state"], f["kind"], f["purpose"])
    return Response(
        consent_list.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="agreements.csv"'},
    )
