"""The application factory: nothing connects at import time; tests pass their own Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import import_module, resources
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from servitize import __version__
from servitize.capabilities import CAPABILITIES, template_packages
from servitize.core import pages
from servitize.core.db import make_engine, session_factory
from servitize.core.errors import NotAuthenticated, ServitizeError
from servitize.core.settings import Settings
from servitize.trust.editing import BUSY_ERRORS, busy_refusal, web_engine_options
from servitize.trust.http import commit_in_handler_thread
from servitize.web import admin, api_shell, auth, guard, shell


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def create_app(
    settings: Settings | None = None, *, on_start: Callable[[Settings], None] | None = None
) -> FastAPI:
    """Build the web UI and REST API for one database.

    ``on_start`` runs on the event loop once the database is reachable: ``servitize serve``
    tunes the served process there (web.cli.served_app); tests and embedders leave it out.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, **web_engine_options(settings.database_url))
        app.state.engine = engine
        app.state.session_factory = session_factory(engine)
        if on_start is not None:
            on_start(settings)
        yield
        engine.dispose()

    app = FastAPI(
        title="servitize",
        version=__version__,
        description="Sell Smart product-service systems: installed base, leads, offers, value.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # api_shell.api_docs: Swagger UI from the package, CSP intact
        redoc_url=None,
    )
    app.state.settings = settings

    @app.exception_handler(ServitizeError)
    async def _servitize_error(request: Request, exc: ServitizeError) -> Response:
        if isinstance(exc, NotAuthenticated) and _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        if _wants_html(request):
            return pages.render(
                request,
                "error.html",
                {"status": exc.status_code, "message": exc.message},
                status_code=exc.status_code,
            )
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]),
                "message": str(e.get("msg", "")).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        # a rule over the whole body (no field) names its fields in its own message
        text = "; ".join(
            f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems
        )
        return JSONResponse({"detail": text, "errors": problems}, status_code=422)

    api_shell.handle_database_refusals(app)
    api_shell.document_problems(app)
    app.include_router(api_shell.docs_router)

    async def _busy(request: Request, exc: Exception) -> Response:
        refusal = busy_refusal(exc)  # a lock not granted in time, a row changed meanwhile: 409
        if refusal is None:
            raise exc
        return await _servitize_error(request, refusal)

    for kind in BUSY_ERRORS:
        app.add_exception_handler(kind, _busy)

    # async: it answers on the event loop even when every worker thread is busy.
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(shell.router)
    app.include_router(auth.router)
    app.include_router(admin.router)
    for capability in CAPABILITIES:  # servitize.capabilities: what each one adds
        if capability.api:
            app.include_router(import_module(capability.module("api")).router, prefix="/api/v1")
        if capability.pages:
            app.include_router(import_module(capability.module("views")).router)
    pages.use_templates(app, template_packages(), settings.environment)
    app.add_exception_handler(StarletteHTTPException, shell.page_not_found)
    app.add_middleware(shell.SecurityHeaders)
    app.add_middleware(shell.HtmxLogin)
    app.add_middleware(api_shell.BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(guard.PrivateAnswers, settings=settings)
    app.add_middleware(guard.DevSecretGuard, settings=settings)  # outermost: refuses first
    commit_in_handler_thread(app)
    static = resources.files("servitize.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app
