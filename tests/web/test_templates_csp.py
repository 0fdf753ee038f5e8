"""The templates keep to what the Content Security Policy allows (no inline style or script), and
every POST form is the kit's form macro, which carries the CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import servitize

PACKAGE = Path(servitize.__file__).parent
TEMPLATES = sorted(p for p in PACKAGE.rglob("templates/**/*.html"))
KIT = PACKAGE / "web" / "templates" / "_ui.html"


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_the_templates_are_found() -> None:
    names = {_name(p) for p in TEMPLATES}
    assert "web/templates/base.html" in names and "web/templates/_ui.html" in names
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_no_inline_style_or_script(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE), "a style attribute"
    assert not re.search(r"<style", text, re.IGNORECASE), "a <style> element"
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), "an on...= handler"
    for script in re.findall(r"<script\b[^>]*>", text, re.IGNORECASE):
        assert "src=" in script, f"an inline script: {script}"
    assert "javascript:" not in text.lower()


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_post_forms_come_from_the_kit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path == KIT:
        return
    assert "csrf_token" not in text.replace('"X-CSRF-Token": csrf_token', ""), (
        "a CSRF field copied by hand; use {% call ui.form(...) %}"
    )
    for tag in re.findall(r"<form\b[^>]*>", text, re.IGNORECASE):
        assert not re.search(r"method=\"?post", tag, re.IGNORECASE), f"a hand-made POST form: {tag}"
    if "ui.form(" in text:
        assert re.search(r'{%-? import "_ui.html" as ui with context', text), (
            "the form macro needs the CSRF token: import _ui.html with context"
        )


def test_the_form_macro_carries_the_csrf_token() -> None:
    from jinja2 import DictLoader, Environment

    env = Environment(
        loader=DictLoader(
            {
                "_ui.html": KIT.read_text(encoding="utf-8"),
                "page.html": '{% import "_ui.html" as ui with context %}'
                '{% call ui.form("/x/" ~ n, class_="inline-form", hx_post="/x", data_testid="f") %}'
                "<button>Go</button>{% endcall %}"
                '{% call ui.form("/search", method="get") %}{% endcall %}',
            }
        ),
        autoescape=True,
    )
    env.globals.update(
        fmt_label=str, fmt_money=str, fmt_hours=str, fmt_initials=str, fmt_count=str, chart_bars=str
    )
    html = env.get_template("page.html").render(csrf_token='t"ok', n=7)
    assert html == (
        '<form method="post" action="/x/7" class="inline-form" hx-post="/x" data-testid="f">'
        '<input type="hidden" name="csrf_token" value="t&#34;ok"><button>Go</button></form>'
        '<form method="get" action="/search"></form>'
    )


def test_pages_are_served_with_a_csp_without_unsafe_inline() -> None:
    from fastapi.testclient import TestClient

    from servitize.core.settings import Settings
    from servitize.web.app import create_app

    app = create_app(Settings(database_url="sqlite://", environment="test"))
    with TestClient(app) as client:
        csp = client.get("/login").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["style-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
