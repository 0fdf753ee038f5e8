"""Save a form's change, or show the form again with the reason: one way for every page.

``save_or_show_again`` runs the change inside a savepoint (``session.begin_nested()``). When it
works, ``done(result)`` answers (usually a redirect). When the change is refused, everything it
wrote is rolled back to the savepoint and the form is shown again with the reason (``error``)
and what the user typed (``values``), so nothing is lost:

- a ``ServitizeError`` answers its own status: 422 for invalid input, 409 for a conflict,
  404 for a record gone meanwhile;
- a pydantic ``ValidationError`` answers 422 naming every field;
- a write the database refuses (a duplicate, a missing reference) answers 409 or 422;
- ``PermissionDenied`` and ``NotAuthenticated`` are not a form to correct: they go on to the
  app's error page or login.

A plain post gets the whole page with the form at that 4xx status; an HTMX request gets the
fragment (``FormPage.fragment``) when there is one. HTMX 2 swaps only 2xx answers as servitize
configures it (base.html), so the fragment carries ``htmx_status`` (200 unless given); the
reason is in it either way, and the plain post keeps its message too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from servitize.core.errors import (
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    ServitizeError,
    database_refusal,
    reasons,
)
from servitize.kit.htmx import is_htmx, is_htmx_for

T = TypeVar("T")


class Renderer(Protocol):
    """How a template becomes an answer (``core.pages.render``)."""

    def __call__(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response: ...


@dataclass(frozen=True)
class FormPage:
    """Where the form is shown again: the page, its context, and the fragment for HTMX.

    ``context`` is called only when the form is shown again, after the rollback, so it reads
    the records as they are without the refused change.
    """

    template: str
    context: Callable[[], dict[str, Any]] = field(default=dict)
    fragment: str | None = None
    target: str | None = None  # the fragment only when HTMX fills the element of this id


def refusal_of(exc: BaseException) -> ServitizeError | None:
    """The user's error behind ``exc`` when the form should be shown again; None otherwise."""
    if isinstance(exc, (PermissionDenied, NotAuthenticated)):
        return None
    if isinstance(exc, ServitizeError):
        return exc
    if isinstance(exc, ValidationError):
        return InvalidInput(reasons(exc))
    return database_refusal(exc)


def _default_render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    from servitize.core.pages import render

    return render(request, name, context, status_code)


def save_or_show_again(
    request: Request,
    session: Session,
    change: Callable[[], T],
    done: Callable[[T], Response],
    form: FormPage,
    values: Mapping[str, object] | None = None,
    *,
    htmx_status: int | None = 200,
    render: Renderer = _default_render,
) -> Response:
    """Run ``change`` in a savepoint; ``done(result)``, or the form again with the reason.

    ``htmx_status``: the status of the fragment for an HTMX request (None: the error's own).
    """
    try:
        with session.begin_nested():
            result = change()
    except Exception as exc:
        refusal = refusal_of(exc)
        if refusal is None:
            raise
        return show_again(request, form, refusal, values, htmx_status=htmx_status, render=render)
    return done(result)


def show_again(
    request: Request,
    form: FormPage,
    refusal: ServitizeError,
    values: Mapping[str, object] | None = None,
    *,
    htmx_status: int | None = 200,
    render: Renderer = _default_render,
) -> Response:
    """The form again with the reason and the values the user sent."""
    context = {**form.context(), "error": refusal.message, "values": dict(values or {})}
    wants_fragment = form.fragment is not None and (
        is_htmx(request) if form.target is None else is_htmx_for(request, form.target)
    )
    if wants_fragment and form.fragment is not None:
        status = refusal.status_code if htmx_status is None else htmx_status
        return render(request, form.fragment, context, status)
    return render(request, form.template, context, refusal.status_code)
