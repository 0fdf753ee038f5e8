"""Browser tests: a real uvicorn server on loopback and Debian's Chromium through Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.orm import Session

from servitize.core import migrate
from servitize.core.db import make_engine
from servitize.core.settings import Settings
from servitize.web.app import create_app

# Chromium's background services would knock on closed doors; nothing is downloaded.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def committed_sqlite(folder: Path, fill: Callable[[Session], Any]) -> tuple[str, Any]:
    """A migrated SQLite file in ``folder`` filled by ``fill`` and committed; URL and fill's result."""
    url = f"sqlite:///{folder / 'records.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        result = fill(session)
        session.commit()
    engine.dispose()
    return url, result


@contextmanager
def serve(database_url: str, secret_key: str = "browser-test") -> Iterator[str]:
    """Serve the whole app on the database; yields its base URL and stops it afterwards."""
    settings = Settings(database_url=database_url, environment="test", secret_key=secret_key)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
