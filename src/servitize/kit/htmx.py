"""Tell an HTMX request for a fragment from a request for the whole page.

HTMX marks its requests with ``HX-Request: true``. When the user goes back in history and the
browser has no copy of the page, HTMX asks again with ``HX-History-Restore-Request: true`` as
well: that request must get the whole page, or the browser shows a bare fragment. So
``is_htmx`` is true only for a request that wants a fragment.

``template_for(request, page, fragment)`` picks the template to render: the fragment for HTMX,
the page otherwise; with ``target`` only when HTMX fills the element of that id (one page can
hold several fragments). ``vary`` marks a response as depending on those headers, so a cache
never serves the fragment as the page.
"""

from __future__ import annotations

from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

R = TypeVar("R", bound=Response)


def is_htmx(request: Request) -> bool:
    """True when HTMX asks for a fragment (not when it restores a page from history)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def is_htmx_for(request: Request, target: str) -> bool:
    """True when HTMX asks for the fragment that fills the element with the id ``target``."""
    return is_htmx(request) and request.headers.get("hx-target") == target


def template_for(request: Request, page: str, fragment: str, target: str | None = None) -> str:
    """The fragment template for an HTMX request (for ``target`` if given), else the page's."""
    wanted = is_htmx(request) if target is None else is_htmx_for(request, target)
    return fragment if wanted else page


def vary(response: R) -> R:
    """Mark a response that differs for HTMX (``Vary: HX-Request, HX-Target``)."""
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response
