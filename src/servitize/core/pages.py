"""Jinja2 templates of every capability, found under ``<package>/templates``; the app factory
names the packages (servitize.capabilities)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, create_model

from servitize.core import charts
from servitize.core.formats import TEMPLATE_GLOBALS, label

# The web shell's own templates (base.html, error.html), for an app that names no others.
SHELL_TEMPLATES = ("servitize.web",)


@lru_cache(maxsize=8)
def templates(packages: tuple[str, ...] = SHELL_TEMPLATES, reload: bool = False) -> Jinja2Templates:
    """The renderer of the ``templates`` folders of ``packages`` (the first that has a name
    wins); ``reload``: look for changed files on each render (development). One per arguments:
    apps built with the same packages share compiled templates."""
    env = Environment(
        loader=ChoiceLoader([PackageLoader(package, "templates") for package in packages]),
        autoescape=select_autoescape(),
        auto_reload=reload,
    )
    env.globals.update(TEMPLATE_GLOBALS, chart_bars=charts.bars, fmt_label=_known_label)
    env.globals["main_nav"] = _main_nav(env, cached=not reload)
    return Jinja2Templates(env=env)


_label_once = lru_cache(maxsize=4096, typed=True)(label)


def _known_label(value: object, *args: Any, **kwargs: Any) -> str:
    """``formats.label``, each code worked out once per process: a page shows a hundred labels
    of a few dozen codes (a machine's origin, coverage, connectivity on every row)."""
    try:
        return _label_once(value, *args, **kwargs)
    except TypeError:  # a value that cannot be a key (a list): worked out each time
        return label(value, *args, **kwargs)


@dataclass(frozen=True)
class _NavUrl:
    path: str


@dataclass(frozen=True)
class _NavRequest:
    url: _NavUrl


@dataclass(frozen=True)
class _NavUser:
    role: str


_NUMBER_SEGMENT = re.compile(r"/\d+(?=/|$)")


def _main_nav(env: Environment, cached: bool) -> Callable[[str, str], Markup]:
    """The main navigation of a role on a path, rendered from ``_nav.html`` once per kind of
    page: it depends on nothing else, and rendering it (forty menu entries, each asking
    whether it is the current page) cost every page about a tenth of its time.

    A number in the path (``/accounts/17``) is no part of any menu entry, so all records of a
    kind share one rendering.
    """

    def render_nav(role: str, path: str) -> Markup:
        nav = env.get_template("_nav.html")
        return Markup(nav.render(user=_NavUser(role), request=_NavRequest(_NavUrl(path))))

    if not cached:  # development: templates may change while the app runs
        return render_nav
    once = lru_cache(maxsize=1024)(render_nav)

    def main_nav(role: str, path: str) -> Markup:
        return once(str(role), _NUMBER_SEGMENT.sub("/0", path))

    return main_nav


def use_templates(app: FastAPI, packages: tuple[str, ...], environment: str) -> None:
    """Let the app's pages render the templates of ``packages`` (the app factory names them,
    from servitize.capabilities). Outside development templates do not change while the app
    runs: the file checks are skipped."""
    app.state.templates = templates(packages, environment == "development")


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
    renderer = getattr(request.app.state, "templates", None) or templates()
    return renderer.TemplateResponse(request, name, context, status_code=status_code)


def text_form(model: type[BaseModel]) -> type[BaseModel]:
    """An input model's HTML form as posted: every field as text, empty when left empty (the
    input model then reads and checks it; other posted fields, like the CSRF token, are ignored)."""
    fields: dict[str, Any] = dict.fromkeys(model.model_fields, (str, ""))
    return create_model(f"{model.__name__}Form", __config__=ConfigDict(extra="ignore"), **fields)
