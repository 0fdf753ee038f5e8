"""Request dependencies shared by every JSON route and page: session, user, CSRF.

The request owns the transaction: ``db_session`` commits when the handler returns and rolls
back when it raises; services only flush.
"""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from servitize.core.db import session_scope
from servitize.core.errors import NotAuthenticated, NotFound, PermissionDenied
from servitize.core.settings import Settings
from servitize.trust import repository
from servitize.trust.context import Context
from servitize.trust.models import Role, User
from servitize.trust.service import user_by_token

SESSION_COOKIE = "servitize_session"
LOGIN_CSRF_COOKIE = "servitize_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
COMMIT_ON_RETURN = "servitize.commit_on_return"  # a request's own session (db_session)
PASSWORD_CHANGE_PATHS = frozenset({"/account/password", "/logout"})
# Users from outside the company (customers, partners) reach only their own pages and API, and
# the paths every user needs (log in and out, their own password, the shell's files); anything
# else answers 404 to them, pages and API alike (``outside_allowed``, asked in optional_user).
OUTSIDE_PREFIXES = {
    Role.customer.value: ("/portal", "/api/v1/portal"),
    Role.partner.value: ("/partner", "/api/v1/partner"),
}
SHARED_PATHS = (
    "/login",
    "/logout",
    "/account/password",
    "/api/v1/account/password",
    "/static",
)


@dataclass(frozen=True)
class PageUser:
    """Who is logged in, as pages show it: a plain copy that outlives the request's session."""

    id: int
    username: str
    full_name: str
    role: str
    territory: str | None


def settings_of(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; commit on success, roll back on error.

    ``async``: opening a session sends nothing to the database, and a plain (``def``) handler
    commits or rolls back on its own thread as it returns (``commit_in_handler_thread``), so
    closing it here sends nothing either. As a plain generator it took two turns of the small
    worker-thread pool on every request, one to open and one to close, each queued behind
    the pages being rendered."""
    with session_scope(request.app.state.session_factory) as session:
        session.info[COMMIT_ON_RETURN] = True  # see commit_in_handler_thread
        yield session


# scope="function": the commit happens when the handler returns, before the response is sent.
# With the default request scope FastAPI commits after sending, and a browser following a
# redirect to the record it just created could ask for it before it exists.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def commit_in_handler_thread(app: FastAPI) -> None:
    """Commit a plain (``def``) handler's session on its own worker thread as it returns.

    Between a handler's return and the dependency's commit, FastAPI validates the answer on
    another thread of the same small pool (``web_threads``). With the transaction still open,
    the rows it wrote stayed locked while it queued for that thread; eight requests writing one
    machine filled the pool with handlers waiting for those locks, and the server froze (its
    health check and SIGTERM included). Committed here, no lock outlives the thread that took
    it; ``db_session`` then finds nothing left to commit. Call once the routers are included:
    it wraps the endpoints of the app's routes and of the routers included in it.
    """
    _wrap_routes(app.router.routes)


def _wrap_routes(routes: list[Any]) -> None:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI includes routers lazily
        if included is not None:
            _wrap_routes(included.routes)
        if not isinstance(route, APIRoute) or getattr(route.endpoint, "_commits_on_return", False):
            continue
        if inspect.iscoroutinefunction(route.endpoint):
            continue  # runs on the event loop: no thread hop before the commit
        route.endpoint = _committing(route.endpoint)
        route.dependant.call = route.endpoint


def _committing(call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def handler(*args: Any, **kwargs: Any) -> Any:
        sessions = []
        for given in kwargs.values():
            value = given.session if isinstance(given, Context) else given  # ctx: RequestContext
            if isinstance(value, Session) and value.info.get(COMMIT_ON_RETURN):
                sessions.append(value)
        try:
            result = call(*args, **kwargs)
        except BaseException:
            for session in sessions:  # here too: db_session's end then sends nothing
                session.rollback()
            raise
        for session in sessions:
            session.commit()
        return result

    handler._commits_on_return = True  # type: ignore[attr-defined]
    return handler


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="servitize-session")


def sign_session(settings: Settings, user_id: int, generation: int = 0) -> tuple[str, str]:
    """A signed cookie value for a logged-in user and its CSRF token.

    The cookie carries the user's session generation: logout moves it on, which ends the
    session on the server, not only in the browser that logged out.
    """
    csrf = secrets.token_urlsafe(24)
    return _serializer(settings).dumps({"uid": user_id, "gen": generation, "csrf": csrf}), csrf


def sign_login_csrf(settings: Settings) -> tuple[str, str]:
    """A signed pre-session cookie value protecting the login form, and its token."""
    token = secrets.token_urlsafe(24)
    return _login_serializer(settings).dumps(token), token


def login_csrf(request: Request) -> str | None:
    """The login form's CSRF token from its pre-session cookie, or None."""
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not raw:
        return None
    try:
        token = _login_serializer(settings_of(request)).loads(raw, max_age=3600)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def check_login_csrf(request: Request, sent: str | None) -> None:
    """The login form must send back the token of its pre-session cookie."""
    expected = login_csrf(request)
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise PermissionDenied(
            "the login form expired or its CSRF token is missing; reload the page"
        )


def _login_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="servitize-login-csrf")


def read_session(request: Request) -> dict[str, Any] | None:
    """The verified session payload from the cookie, or None."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    settings = settings_of(request)
    try:
        data = _serializer(settings).loads(raw, max_age=settings.session_max_age_s)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def outside_allowed(role: str, path: str) -> bool:
    """Whether a user of this role may reach this path: staff everywhere, a customer only the
    portal, a partner only the partner pages (each with the shared paths)."""
    prefixes = OUTSIDE_PREFIXES.get(role)
    if prefixes is None:
        return True
    if path == "/":
        return True  # the shell's home sends each role to its own start page
    return any(path == p or path.startswith(p + "/") for p in (*prefixes, *SHARED_PATHS))


def _kept_inside(request: Request, user: User) -> User:
    """The user, unless they are from outside and the path is not theirs: then 404 (the staff
    pages do not exist for them), the one place that keeps outside users inside their pages."""
    if not outside_allowed(str(user.role), request.url.path):
        raise NotFound("not found")
    return user


def optional_user(request: Request, session: DbSession) -> User | None:
    """The user of a Bearer token or a session cookie, or None."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_by_token(session, header[7:].strip())
        if user is None:
            raise NotAuthenticated("invalid or revoked API token")
        request.state.auth = "token"
        return _kept_inside(request, user)
    data = read_session(request)
    if data is None:
        return None
    user = repository.user_by_id(session, data.get("uid"))
    if user is None or not user.active or data.get("gen") != user.session_generation:
        return None  # unknown, deactivated, or logged out since the cookie was signed
    request.state.auth = "cookie"
    request.state.csrf = data.get("csrf")
    return _kept_inside(request, user)


# A route parameter for pages that answer everybody: the user when logged in, else None.
OptionalUser = Annotated[User | None, Depends(optional_user)]


async def check_csrf(request: Request) -> None:
    """Unsafe requests authenticated by cookie must carry the session's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    data = read_session(request)
    if data is None:
        return  # not logged in: the user dependency answers 401 / redirects to login
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)  # type: ignore[assignment]
    if not sent or not secrets.compare_digest(str(sent), str(data.get("csrf", ""))):
        raise PermissionDenied("the form's CSRF token is missing or wrong; reload the page")


async def current_user(
    request: Request,
    user: Annotated[User | None, Depends(optional_user)],
    _csrf: Annotated[None, Depends(check_csrf)],
) -> User:
    """The logged-in user; 401 (API) or a redirect to the login page (web) otherwise."""
    if user is None:
        raise NotAuthenticated("log in or send an API token")
    if (
        user.must_change_password
        and getattr(request.state, "auth", None) == "cookie"
        and request.url.path not in PASSWORD_CHANGE_PATHS
    ):
        # A one-time password from an admin's reset opens only the page that replaces it.
        raise PermissionDenied(
            "choose your own password first: your admin reset it (/account/password)"
        )
    # Pages render who is logged in even after the request's transaction rolled back.
    request.state.user = PageUser(user.id, user.username, user.full_name, user.role, user.territory)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(user: User, *roles: Role) -> None:
    """Raise PermissionDenied unless the user has one of the roles."""
    if user.role not in {r.value for r in roles}:
        raise PermissionDenied(f"this needs the role {' or '.join(r.value for r in roles)}")


async def request_context(request: Request, session: DbSession, user: CurrentUser) -> Context:
    """The request's ``Context``: its session, the logged-in user, the app's settings, now.

    ``async``: it only gathers what other dependencies made, so it runs on the event loop
    instead of taking a turn of the small worker-thread pool (a plain ``def`` dependency costs a
    thread hop on every request: the account 360 at 20 users answered at half its speed)."""
    return Context(session, user, settings_of(request))


# A route parameter ``ctx: RequestContext`` hands the route its Context (and logs the user in).
RequestContext = Annotated[Context, Depends(request_context)]
