"""The ``page`` and ``size`` of a list route's query string as a ``PageParams``: a route
parameter ``params: PageQuery`` (see ``kit.pagination``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings
from servitize.kit.pagination import DEFAULT_SIZE, PageParams


def _size_max(request: Request) -> int:
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is None:
        return int(Settings.model_fields["page_size_max"].default)
    return settings.page_size_max


def page_params(request: Request, page: int = 1, size: int | None = None) -> PageParams:
    """The ``page`` and ``size`` of the query string, checked (a FastAPI dependency); without
    a size, 50 rows (or fewer where the settings allow fewer)."""
    if page < 1:
        raise InvalidInput(f"page: must be 1 or more, not {page}")
    size_max = _size_max(request)
    if size is None:
        size = min(DEFAULT_SIZE, size_max)
    if not 1 <= size <= size_max:
        raise InvalidInput(f"size: must be between 1 and {size_max}, not {size}")
    return PageParams(page=page, size=size)


# A route parameter: ``params: PageQuery``.
PageQuery = Annotated[PageParams, Depends(page_params)]
