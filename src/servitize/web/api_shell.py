"""What keeps bad requests from hurting the server: a bound on request bodies, database
refusals answered as the user's error, an OpenAPI document that says how refusals look, and
the API docs page served from the package under the app's own Content-Security-Policy."""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servitize.core.errors import ServitizeError, database_refusal, refused_write_errors

MIB = 1024 * 1024


class BodyTooLarge(HTTPException):
    """The request body is over the limit (raised while it is read, so FastAPI keeps the 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes; send less")


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413, without reading it,
    and an address with a NUL character (``%00``: no record holds one; PostgreSQL cannot).

    A declared Content-Length over the limit is refused before the application runs; a body
    sent in chunks (no length) is counted as it arrives and refused at the chunk that crosses.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what arrives."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await _refuse(
                send, HTTPException(422, "the address must not contain NUL (%00) characters")
            )
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(
                send,
                BodyTooLarge(self.limit)
                if declared.isdigit()
                else HTTPException(400, "the Content-Length header is not a number"),
            )
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refuse(send, exc)


async def _refuse(send: Send, exc: HTTPException) -> None:
    body = json.dumps({"detail": exc.detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def handle_database_refusals(app: FastAPI) -> None:
    """A write the database refuses (duplicate, unknown reference, value out of range, NUL
    text) answers 409 or 422 with a reason; anything else stays a 500 (a real fault)."""

    async def refused(request: Request, exc: Exception) -> Response:
        error = database_refusal(exc)
        if error is None:
            raise exc
        answer = app.exception_handlers[ServitizeError](request, error)
        return await answer if inspect.isawaitable(answer) else answer

    for kind in refused_write_errors():
        app.add_exception_handler(kind, refused)


# What every refusal of the API looks like (the app's handlers write it).
PROBLEM = {
    "title": "Problem",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail", "description": "why, in words"},
        "errors": {
            "type": "array",
            "description": "each refused field of a request (422 only)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_REFUSED = {
    "description": "Refused: the reason is in `detail` (401, 403, 404, 409, 413, 422)",
    "content": {"application/json": {"schema": _PROBLEM_REF}},
}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the API answers when it refuses: ``Problem`` for
    422 (FastAPI's default names a list that the app's handler does not send) and for every
    other 4xx of every route."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema and "Problem" in app.openapi_schema["components"]["schemas"]:
            return app.openapi_schema
        doc = build()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"]["content"] = {"application/json": {"schema": _PROBLEM_REF}}
                responses.setdefault("4XX", _REFUSED)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


docs_router = APIRouter(include_in_schema=False)

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>servitize API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/swagger-init.js"></script>
</body>
</html>
"""


@docs_router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI from the package's own files: no CDN, no inline script (the CSP allows
    scripts from 'self' only)."""
    return HTMLResponse(DOCS_PAGE.replace("{openapi_url}", request.app.openapi_url))
