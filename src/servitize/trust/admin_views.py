"""Pages of user administration (admins) and of one's own account (everyone logged in): the
users, one user's role, territory, state, password reset and API tokens; your own password and
tokens. A one-time password or a new token is shown once, on the page that answers the post."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput, ServitizeError
from servitize.core.formats import label
from servitize.core.pages import render
from servitize.kit.export import EXPORT_MAX_ROWS, Table, respond
from servitize.kit.forms import FormPage, save_or_show_again, show_again
from servitize.kit.pagination import PageParams, pages_of
from servitize.kit.sorting import links
from servitize.trust import admin, audit
from servitize.trust import saved_filters_repository as saved
from servitize.trust.admin_repository import USER_SORTS, UserQuery
from servitize.trust.http import (
    SESSION_COOKIE,
    CurrentUser,
    DbSession,
    settings_of,
    sign_session,
)
from servitize.trust.models import Role, User
from servitize.trust.service import revoke_token, tokens_of

router = APIRouter(include_in_schema=False)

UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]
USERS_PER_PAGE = 50


def _active_of(state: str) -> bool | None:
    return {"active": True, "inactive": False}.get(state)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    role: Annotated[Role | None, Query()] = None,
    state: Annotated[str, Query(pattern="^(all|active|inactive)$")] = "all",
    q: Annotated[str | None, Query(max_length=80)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    sort: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Every user, a page at a time, by role and state, sorted by a column (admins only)."""
    admin.require_admin(user)
    order = USER_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    params = PageParams(page=page, size=USERS_PER_PAGE)
    query = UserQuery(role=role, active=_active_of(state), text=(q or "").strip() or None)
    rows, total = admin.users(session, query, params, order)
    filters = {"role": role.value if role else "", "state": state, "q": q or ""}
    shown = links(
        "/admin/users", filters, order, USER_SORTS, saved.of_list(session, user, "/admin/users")
    )
    return render(
        request,
        "trust/users.html",
        {
            "rows": rows,
            "filters": filters,
            "roles": [r.value for r in Role],
            "pager": pages_of("/admin/users", shown.params, params, len(rows), total),
            "list": shown,
        },
    )


@router.get("/admin/users.{fmt}")
def users_export(
    session: DbSession,
    user: CurrentUser,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    role: Annotated[Role | None, Query()] = None,
    state: Annotated[str, Query(pattern="^(all|active|inactive)$")] = "all",
    q: Annotated[str | None, Query(max_length=80)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The users list as CSV or XLSX: every page, so filtered and sorted (admins only)."""
    admin.require_admin(user)
    query = UserQuery(role=role, active=_active_of(state), text=(q or "").strip() or None)
    rows, total = admin.users(
        session, query, PageParams(page=1, size=EXPORT_MAX_ROWS), USER_SORTS.parse(sort)
    )
    cells = [
        [
            u.username,
            u.full_name,
            label(u.role),
            u.territory,
            u.email,
            "active" if u.active else "deactivated",
        ]
        for u in rows
    ]
    table = Table(
        ["User", "Name", "Role", "Territory", "Email", "State"], cells, cut=total > len(cells)
    )
    return respond(table, fmt, "users")


def _user_page(
    request: Request,
    session: Any,
    shown: User,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    return render(
        request,
        "trust/user.html",
        {
            "shown": shown,
            "tokens": tokens_of(session, shown),
            "roles": [r.value for r in Role],
            **extra,
        },
        status_code=status,
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, session: DbSession, user: CurrentUser, user_id: UserId) -> Response:
    """One user: role, territory, state, password reset and API tokens (admins only)."""
    admin.require_admin(user)
    return _user_page(request, session, admin.user_by_id(session, user_id))


def _save(
    request: Request,
    session: Any,
    shown: User,
    change: Callable[[], Any],
    done: Callable[[Any], Response],
    values: dict[str, Any] | None = None,
) -> Response:
    """Run the change in a savepoint; on a refusal the user's page again with the reason."""
    form = FormPage(
        "trust/user.html",
        lambda: {
            "shown": shown,
            "tokens": tokens_of(session, shown),
            "roles": [r.value for r in Role],
        },
    )
    return save_or_show_again(request, session, change, done, form, values)


def _back_to(user_id: int) -> Callable[[Any], Response]:
    return lambda _result: RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}")
def edit_user_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    user_id: UserId,
    role: Annotated[str, Form(max_length=32)],
    territory: Annotated[str, Form(max_length=80)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Save a user's role, territory, name and email; back to the user."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    edit = admin.UserEdit(role=role, territory=territory, full_name=full_name, email=email)
    values = {"role": role, "territory": territory, "full_name": full_name, "email": email}
    return _save(
        request,
        session,
        shown,
        lambda: admin.edit_user(session, audit.actor_of(user), shown, edit),
        _back_to(user_id),
        values,
    )


def _set_active(session: Any, user: User, user_id: int, active: bool, request: Request) -> Response:
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    return _save(
        request,
        session,
        shown,
        lambda: admin.set_active(session, audit.actor_of(user), user, shown, active),
        _back_to(user_id),
    )


@router.post("/admin/users/{user_id}/deactivate")
def deactivate_page(
    request: Request, session: DbSession, user: CurrentUser, user_id: UserId
) -> Response:
    """Deactivate a user: their sessions and API tokens stop working at once."""
    return _set_active(session, user, user_id, False, request)


@router.post("/admin/users/{user_id}/reactivate")
def reactivate_page(
    request: Request, session: DbSession, user: CurrentUser, user_id: UserId
) -> Response:
    """Let a deactivated user log in again (their old sessions stay ended)."""
    return _set_active(session, user, user_id, True, request)


@router.post("/admin/users/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password_page(
    request: Request, session: DbSession, user: CurrentUser, user_id: UserId
) -> Response:
    """Set a one-time password, shown once here; the user chooses their own at the next login."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    one_time = admin.reset_password(session, audit.actor_of(user), shown)
    return _user_page(request, session, shown, one_time_password=one_time)


@router.post("/admin/users/{user_id}/tokens", response_class=HTMLResponse)
def new_token_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    user_id: UserId,
    label: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """A new API token for the user, shown once here."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    return _save(
        request,
        session,
        shown,
        lambda: admin.create_token(session, audit.actor_of(user), shown, label),
        lambda made: _user_page(request, session, shown, new_token=made[1]),
        {"label": label},
    )


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke_user_token_page(
    session: DbSession, user: CurrentUser, user_id: UserId, token_id: TokenId
) -> Response:
    """Revoke one of the user's API tokens; back to the user."""
    admin.require_admin(user)
    shown = admin.user_by_id(session, user_id)
    admin.token_of(session, shown, token_id)
    revoke_token(session, audit.actor_of(user), user, token_id)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


# -- one's own account -------------------------------------------------------------------------


def _account_page(
    request: Request, session: Any, user: User, status: int = 200, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "trust/account.html",
        {"me": user, "tokens": tokens_of(session, user), **extra},
        status_code=status,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Your account: who you are, your API tokens, a link to change your password."""
    return _account_page(request, session, user)


@router.post("/account/tokens", response_class=HTMLResponse)
def own_new_token_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    label: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """A new API token of your own, shown once here."""
    _token, clear = admin.create_token(session, audit.actor_of(user), user, label)
    return _account_page(request, session, user, new_token=clear)


@router.post("/account/tokens/{token_id}/revoke")
def own_revoke_token_page(session: DbSession, user: CurrentUser, token_id: TokenId) -> Response:
    """Revoke one of your API tokens; back to your account."""
    admin.token_of(session, user, token_id)
    revoke_token(session, audit.actor_of(user), user, token_id)
    return RedirectResponse("/account", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: CurrentUser) -> HTMLResponse:
    """The form that changes your password (the current one is asked)."""
    min_length = settings_of(request).password_min_length
    forced = bool(user.must_change_password)
    return render(request, "trust/password.html", {"forced": forced, "min_length": min_length})


@router.post("/account/password", response_class=HTMLResponse)
def change_password_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
    repeat_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Replace your password: every other session of yours ends, this one goes on."""
    forced = bool(user.must_change_password)
    settings = settings_of(request)
    min_length = settings.password_min_length
    form = FormPage("trust/password.html", lambda: {"forced": forced, "min_length": min_length})
    if new_password != repeat_password:
        return show_again(
            request, form, InvalidInput("repeat_password: does not match the new password")
        )
    try:
        with session.begin_nested():
            admin.change_own_password(session, user, current_password, new_password, min_length)
    except ServitizeError as exc:
        return show_again(request, form, exc)
    value, request.state.csrf = sign_session(settings, user.id, user.session_generation or 0)
    response = render(request, "trust/password.html", {"forced": False, "done": True})
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production" or settings.hsts_max_age_s > 0,
    )
    return response
