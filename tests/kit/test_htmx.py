"""is_htmx and template_for by the headers HTMX sends."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from servitize.kit.htmx import is_htmx, is_htmx_for, template_for, vary


def request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_a_plain_request_is_not_htmx() -> None:
    assert not is_htmx(request())
    assert template_for(request(), "page.html", "_rows.html") == "page.html"


def test_htmx_wants_the_fragment() -> None:
    hx = request(hx_request="true")
    assert is_htmx(hx)
    assert template_for(hx, "page.html", "_rows.html") == "_rows.html"


def test_only_the_value_true_counts() -> None:
    assert not is_htmx(request(hx_request="false"))


def test_a_history_restore_gets_the_whole_page() -> None:
    restore = request(hx_request="true", hx_history_restore_request="true")
    assert not is_htmx(restore)
    assert template_for(restore, "page.html", "_rows.html") == "page.html"


def test_a_fragment_for_one_target() -> None:
    rows = request(hx_request="true", hx_target="machines")
    assert is_htmx_for(rows, "machines")
    assert not is_htmx_for(rows, "events")
    assert template_for(rows, "page.html", "_machines.html", target="machines") == "_machines.html"
    assert template_for(rows, "page.html", "_events.html", target="events") == "page.html"
    assert not is_htmx_for(request(hx_target="machines"), "machines")  # no HX-Request


def test_vary_names_the_headers() -> None:
    assert vary(HTMLResponse("x")).headers["vary"] == "HX-Request, HX-Target"
