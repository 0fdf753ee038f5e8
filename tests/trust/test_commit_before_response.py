"""The request's transaction commits before the first byte of the response leaves.

Otherwise a browser following a redirect to the record a form just created can ask for it
before it exists (FastAPI runs the end of a request-scoped dependency after sending).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from servitize.trust.http import DbSession


class RecordingSession:
    """Stands in for a Session: notes when it commits."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.info: dict[str, Any] = {}  # db_session marks the session there

    def commit(self) -> None:
        self.events.append("commit")

    def rollback(self) -> None:
        self.events.append("rollback")

    def close(self) -> None:
        self.events.append("close")


def test_commit_happens_before_the_response_starts() -> None:
    events: list[str] = []
    app = FastAPI()
    app.state.session_factory = lambda: RecordingSession(events)

    @app.post("/things")
    def create(session: DbSession) -> RedirectResponse:
        events.append("handled")
        return RedirectResponse("/things/1", status_code=303)

    async def call() -> None:
        scope: dict[str, Any] = {
            "type": "http",
            "method": "POST",
            "path": "/things",
            "raw_path": b"/things",
            "query_string": b"",
            "headers": [],
            "app": app,
            "scheme": "http",
            "server": ("t", 80),
            "client": ("c", 1),
            "root_path": "",
            "http_version": "1.1",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                events.append(f"response {message['status']}")

        await app(scope, receive, send)

    asyncio.run(call())
    assert events.index("commit") < events.index("response 303"), events
    assert events[:2] == ["handled", "commit"]
