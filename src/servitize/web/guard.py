"""What every answer of an install owes its users: no serving with a forgeable secret beyond
this machine, no caching of what a logged-in user saw, HSTS behind TLS."""

from __future__ import annotations

import ipaddress
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servitize.core.settings import Settings
from servitize.trust.http import SESSION_COOKIE

DEV_SECRET_REFUSAL = (
    "servitize refuses to serve {where} with the development secret: anybody can forge its "
    "session cookies and log in as an admin. Set SERVITIZE_SECRET_KEY to a long random secret "
    "(at least 32 characters), or serve on 127.0.0.1 only."
)
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto")


def is_loopback(host: str) -> bool:
    """Whether a listening address reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def exposure(scope: Scope) -> str | None:
    """Why a request shows the server reachable beyond this machine, or None.

    A server socket bound to an IP address that is not loopback (0.0.0.0 included), or a
    request a proxy forwarded. A Unix socket, or a test client's made-up host, is local.
    """
    server = scope.get("server")
    if server and server[1] is not None:
        host = str(server[0])
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            host = ""  # not an address a socket is bound to (the test client's "testserver")
        if host and not is_loopback(host):
            return f"on {host}"
    headers = {k.lower() for k, _v in scope.get("headers", [])}
    if any(h in headers for h in _FORWARDED):
        return "behind a proxy"
    return None


class DevSecretGuard:
    """ASGI middleware: with the development secret, answer 503 to any request that reached
    the server from beyond this machine (whatever server runs the app factory)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse exposed requests while the development secret signs cookies."""
        where = exposure(scope) if scope["type"] == "http" else None
        if where is None or not self.settings.development_secret:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": DEV_SECRET_REFUSAL.format(where=where)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class PrivateAnswers:
    """ASGI middleware: ``Cache-Control: no-store`` on every answer to a logged-in request
    (session cookie or API token) that does not set its own, so that a shared or back-button
    cache keeps no customer's data; ``Strict-Transport-Security`` when configured."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = (
            f"max-age={settings.hsts_max_age_s}; includeSubDomains".encode()
            if settings.hsts_max_age_s > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope.get("headers", []))
        cookie = request_headers.get(b"cookie", b"").decode("latin-1")
        private = (
            b"authorization" in request_headers or f"{SESSION_COOKIE}=" in cookie
        ) and not scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts is not None and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", self.hsts))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
