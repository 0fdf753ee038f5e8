"""Only the served process is tuned: ``servitize serve`` gets the page-thread limit and the rarer
cycle collector; an app built by ``create_app`` (every test, every embedder) keeps Python's."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from servitize.core.settings import Settings
from servitize.web.app import create_app
from servitize.web.cli import SERVED_APP, served_app

ANYIO_DEFAULT_THREADS = 40  # anyio's default thread limiter


@pytest.fixture
def python_gc() -> Iterator[tuple[int, ...]]:
    """Python's collector settings before the test; put back afterwards."""
    before = gc.get_threshold()
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)


def _threads_and_gc(app: FastAPI) -> tuple[int, tuple[int, ...]]:
    """The page-thread limit on the app's event loop and the collector thresholds, once started."""

    @app.get("/_tuning")
    async def tuning() -> dict[str, int]:
        from anyio import to_thread

        return {"threads": int(to_thread.current_default_thread_limiter().total_tokens)}

    with TestClient(app) as client:
        threads = client.get("/_tuning").json()["threads"]
        return threads, gc.get_threshold()


def test_an_app_of_create_app_keeps_pythons_defaults(database_url, python_gc) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=database_url, environment="test", web_threads=3))
    threads, thresholds = _threads_and_gc(app)
    assert threads == ANYIO_DEFAULT_THREADS
    assert thresholds == python_gc


def test_the_served_app_gets_its_threads_and_a_rarer_collector(
    database_url, python_gc, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", database_url)
    monkeypatch.setenv("SERVITIZE_ENVIRONMENT", "test")
    monkeypatch.setenv("SERVITIZE_WEB_THREADS", "3")
    threads, thresholds = _threads_and_gc(served_app())
    assert threads == 3
    assert thresholds == (50_000, 20, 100)


def test_serve_hands_uvicorn_the_served_app(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn
    from typer.testing import CliRunner

    from servitize.cli import build

    started: list[tuple[str, bool]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append((app, kw["factory"])))
    assert CliRunner().invoke(build({"web"}), ["serve"]).exit_code == 0
    assert started == [("servitize.web.cli:served_app", True)]
    assert SERVED_APP == "servitize.web.cli:served_app"
