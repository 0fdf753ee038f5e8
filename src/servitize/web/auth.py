"""Login and logout pages: password login into a signed session cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servitize.core.db import utcnow
from servitize.core.pages import render
from servitize.trust.audit import actor_of
from servitize.trust.http import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    DbSession,
    check_login_csrf,
    login_csrf,
    outside_allowed,
    settings_of,
    sign_login_csrf,
    sign_session,
)
from servitize.trust.passwords import verify_password_pooled
from servitize.trust.service import end_sessions, logged_in, login_candidate, login_failed
from servitize.trust.throttle import TooManyRequests

router = APIRouter(include_in_schema=False)

HOME = "/accounts"
TECHNICIAN_HOME = "/today"
# Users from outside the company start on their own pages (trust.http keeps them there).
OUTSIDE_HOME = {"customer": "/portal", "partner": "/partner"}
WRONG_LOGIN = "Wrong username or password."


def safe_next(target: str | None) -> str:
    """The local path to go to after login; anything else (other hosts, schemes) goes home."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return HOME
    return target


def _asked(target: str | None) -> str:
    """The login form's ``next``: the page asked for, or empty when none was (so that each role
    lands on its own start page)."""
    return safe_next(target) if target else ""


def _login_page(
    request: Request, next_url: str, error: str | None, status: int, username: str = ""
) -> Response:
    token = login_csrf(request)
    cookie = None
    if token is None:
        cookie, token = sign_login_csrf(settings_of(request))
    request.state.csrf = token
    response = render(
        request,
        "login.html",
        {"next": next_url, "error": error, "username": username},
        status_code=status,
    )
    if cookie is not None:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            cookie,
            max_age=3600,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/login",
        )
    return response


def _secure(request: Request) -> bool:
    settings = settings_of(request)
    return settings.environment == "production" or settings.hsts_max_age_s > 0


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _login_page(request, _asked(next), None, 200)


@router.post("/login")
async def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the password; on success set the session cookie and go where the user wanted.

    async: the password is hashed on the login pool (trust.passwords), so logins never hold
    the threads that serve pages; the short database steps run on those threads. Unknown users
    are hashed against a dummy hash and answered alike; failures are throttled (429).
    """
    check_login_csrf(request, csrf_token)
    if not username or not password:
        return _login_page(request, _asked(next), WRONG_LOGIN, 401, username)
    address = request.client.host if request.client else "unknown"
    try:
        user = await run_in_threadpool(login_candidate, session, username, address, utcnow())
        stored = user.password_hash if user is not None and user.active else None
        matches = await verify_password_pooled(stored, password)
    except TooManyRequests as exc:
        page = _login_page(request, _asked(next), exc.message, 429, username)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None or not matches:
        await run_in_threadpool(login_failed, session, username, address, utcnow())
        # One message for unknown users and wrong passwords: no user enumeration.
        return _login_page(request, _asked(next), WRONG_LOGIN, 401, username)
    await run_in_threadpool(logged_in, session, user)
    settings = settings_of(request)
    value, _csrf = sign_session(settings, user.id, user.session_generation or 0)
    # After an admin's reset the one-time password opens only the page that replaces it.
    target = "/account/password" if user.must_change_password else safe_next(next)
    if user.role == "technician" and target in (HOME, "/") and safe_next(next) != next:
        # No page asked for (or one we would not go to): the technician's day, not the
        # accounts list; a technician whose link asked for the accounts list gets it.
        target = TECHNICIAN_HOME
    if user.role in OUTSIDE_HOME and (target == "/" or not outside_allowed(user.role, target)):
        target = OUTSIDE_HOME[user.role]  # a staff page's link would answer 404 to them
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """End the session on the server and in the browser (the CSRF check runs in CurrentUser):
    a copy of the cookie kept elsewhere no longer logs in."""
    end_sessions(session, actor_of(user), user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
    return response
