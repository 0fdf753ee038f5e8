"""The shell around every page: home redirect, unknown pages, security headers."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servitize.core.pages import render
from servitize.trust.http import OptionalUser

router = APIRouter(include_in_schema=False)

# Scripts and styles only from our own static files (HTMX is vendored; no inline <script>,
# <style> or style attribute in any template, see tests/web/test_templates_csp.py); no framing,
# no foreign forms.
SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; script-src 'self'; style-src 'self'; "
    b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
}


@router.get("/")
def home(user: OptionalUser) -> Response:
    """The start page: a technician's day, everybody else's accounts list; the login form
    first (which then sends each role to its own start) for someone not logged in."""
    if user is None:
        start = "/login"
    else:
        outside = {"customer": "/portal", "partner": "/partner"}  # web.auth.OUTSIDE_HOME
        start = outside.get(user.role) or ("/today" if user.role == "technician" else "/accounts")
    return RedirectResponse(start, status_code=303)


async def page_not_found(request: Request, exc: Exception) -> Response:
    """Unknown pages get the 404 page in a browser; the API keeps its JSON answer."""
    assert isinstance(exc, HTTPException)
    wants_html = "text/html" in request.headers.get("accept", "")
    if exc.status_code == 404 and wants_html and not request.url.path.startswith("/api/"):
        return render(request, "error.html", {"status": 404, "message": "not found"}, 404)
    return await http_exception_handler(request, exc)


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTML response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to an HTML response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    present = {k.lower() for k, _v in headers}
                    headers += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HtmxLogin:
    """ASGI middleware: when an HTMX request finds the session expired, reload into the login.

    A plain redirect would be followed inside the XHR and the login form swapped into a table.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Turn a 401 or a redirect to the login of an HTMX request into ``HX-Redirect``."""
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        if headers.get(b"hx-request") != b"true":
            await self.app(scope, receive, send)
            return
        current = headers.get(b"hx-current-url", b"").decode("latin-1")
        target = "/login?" + urlencode({"next": urlsplit(current).path or "/accounts"})

        async def send_with_redirect(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"location"]
                location = dict(message.get("headers", [])).get(b"location", b"")
                to_login = 300 <= message["status"] < 400 and location.startswith(b"/login")
                if message["status"] == 401 or to_login:
                    message["status"] = 200 if to_login else 401
                    message["headers"] = [*kept, (b"hx-redirect", target.encode())]
            await send(message)

        await self.app(scope, receive, send_with_redirect)
