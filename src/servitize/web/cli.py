"""``servitize serve`` and ``servitize demo``."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servitize.core.console import console
from servitize.core.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

DEMO_PASSWORD = "servitize-demo"
GC_THRESHOLDS = (50_000, 20, 100)  # Python's default: (700, 10, 10)
SERVED_APP = "servitize.web.cli:served_app"  # what uvicorn loads in each worker process


def tune_served_process(settings: Settings) -> None:
    """What only a served process gets (tests and embedders of ``create_app`` keep Python's
    defaults): ``web_threads`` page threads, and a cycle collector that runs less often.

    A page allocates tens of thousands of short-lived objects (rows, models, template strings)
    that reference counting frees; the cycle collector running every 700 of them cost about a
    tenth of a page's time. Startup objects go to the permanent generation, and collections run
    a hundred times less often. Runs on the event loop (the thread limiter belongs to it).
    """
    from anyio import to_thread

    to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def served_app() -> FastAPI:
    """The app as ``servitize serve`` runs it in each worker: configured from the environment,
    the process tuned at start (uvicorn's factory)."""
    from servitize.web.app import create_app

    return create_app(Settings(), on_start=tune_served_process)


def register(app: typer.Typer) -> None:
    """Add the serving commands."""

    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option()] = "127.0.0.1",
        port: Annotated[int, typer.Option()] = 8000,
        workers: Annotated[
            int | None,
            typer.Option(
                help="processes; default SERVITIZE_WEB_WORKERS (1), one per core in production"
            ),
        ] = None,
    ) -> None:
        """Serve the web UI and the REST API."""
        _refuse_exposed_development_secret(host)
        _refuse_busy_port(host, port)
        _serve(host, port, workers or Settings().web_workers)

    @app.command("demo")
    def demo(
        accounts: Annotated[int, typer.Option(min=1, help="size of the sample manufacturer")] = 300,
        seed: Annotated[int, typer.Option()] = 7,
        serve_: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
        host: Annotated[str, typer.Option()] = "127.0.0.1",
        port: Annotated[int, typer.Option()] = 8000,
    ) -> None:
        """Build the sample manufacturer into the configured database and serve it."""
        from servitize.web.demo import build_demo

        if serve_:
            _refuse_exposed_development_secret(host)
            _refuse_busy_port(host, port)  # before building, not after
        settings = Settings()
        with tempfile.TemporaryDirectory(prefix="servitize-demo-") as tmp:
            logins = build_demo(
                settings, Path(tmp), accounts=accounts, seed=seed, password=DEMO_PASSWORD
            )
        console.rule("[bold]servitize demo")
        console.print(f"database: {settings.database_url}")
        for role, username in logins.items():
            console.print(
                f"  log in as [bold]{username}[/] ({role}), password [bold]{DEMO_PASSWORD}[/]"
            )
        if serve_:
            console.print(f"serving on [bold]http://{host}:{port}[/] (Ctrl-C stops)")
            _serve(host, port, 1)


def _refuse_exposed_development_secret(host: str) -> None:
    """Exit 2 before serving beyond this machine with cookies anybody can forge."""
    from servitize.web.guard import DEV_SECRET_REFUSAL, is_loopback

    if not is_loopback(host) and Settings().development_secret:
        console.print(
            f"[red]error:[/] {DEV_SECRET_REFUSAL.format(where=f'on {host}')}", soft_wrap=True
        )
        raise typer.Exit(2)


def _refuse_busy_port(host: str, port: int) -> None:
    """Exit 1 with one line when another program listens on the port already."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            console.print(
                f"[red]error:[/] cannot serve on {host}:{port}: "
                f"{exc.strerror or exc} — stop the other server or pass --port {port + 1}",
                soft_wrap=True,
            )
            raise typer.Exit(1) from None


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    _refuse_exposed_development_secret(host)

    uvicorn.run(
        SERVED_APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
