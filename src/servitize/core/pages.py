"""Jinja2 templates of every capability, found under ``<package>/templates``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core import charts
from servitize.core.formats import TEMPLATE_GLOBALS
from servitize.core.settings import Settings

# Capabilities with pages; each keeps its templates in its own folder.
TEMPLATE_PACKAGES = (
    "servitize.web",
    "servitize.installed_base",
    "servitize.telemetry",
    "servitize.contracts",
    "servitize.intelligence",
    "servitize.field",
    "servitize.sales",
    "servitize.offers",
    "servitize.insight",
)


def _loaders() -> list[PackageLoader]:
    loaders = []
    for package in TEMPLATE_PACKAGES:
        try:
            loaders.append(PackageLoader(package, "templates"))
        except (ValueError, ModuleNotFoundError):
            continue  # capability not built yet or without pages
    return loaders


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The shared template renderer."""
    # Outside development templates do not change while the app runs: skip the file checks.
    env = Environment(
        loader=ChoiceLoader(_loaders()),
        autoescape=select_autoescape(),
        auto_reload=Settings().environment == "development",
    )
    env.globals.update(TEMPLATE_GLOBALS, chart_bars=charts.bars)
    return Jinja2Templates(env=env)


def is_htmx(request: Request) -> bool:
    """True when HTMX asks for a fragment rather than a full page."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a template with the request, the user and the CSRF token in its context."""
    context = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf", None),
        **context,
    }
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def text_form(model: type[BaseModel]) -> type[BaseModel]:
    """An input model's HTML form as posted: every field as text, empty when left empty (the
    input model then reads and checks it; other posted fields, like the CSRF token, are ignored)."""
    fields: dict[str, Any] = dict.fromkeys(model.model_fields, (str, ""))
    return create_model(f"{model.__name__}Form", __config__=ConfigDict(extra="ignore"), **fields)
