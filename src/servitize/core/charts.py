"""Small charts drawn on the server as inline SVG, written in Python: the account 360 draws six
of them per page, and as a template macro they cost a third of the page's rendering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from servitize.core.formats import label


def _short(text: str, length: int = 20, leeway: int = 5) -> str:
    """Cut a long label with an ellipsis (a few characters over the length are let through)."""
    return text if len(text) <= length + leeway else text[: length - 1] + "…"


def bars(title: str, items: Sequence[Any], tone: str = "", field: str | None = None) -> Markup:
    """A horizontal bar chart of ``items`` (each with ``label`` and ``count``); ``field``: what
    the labels are codes of (``formats.label``)."""
    total = sum(i.count for i in items)
    name = escape(title)
    head = f'<figure class="chart">\n  <h3>{name}</h3>\n'
    if not total:
        return Markup(head + '  <p class="empty">No data yet.</p>\n</figure>')
    top = max(i.count for i in items)
    named = [(escape(label(i.label, field)), label(i.label, field), i.count) for i in items]
    summary = ", ".join(f"{shown} {count}" for shown, _raw, count in named)
    parts = [
        head,
        (f'  <svg viewBox="0 0 320 {len(items) * 24}" role="img" aria-label="{name}: {summary}">'),
    ]
    tone = escape(tone)
    for n, (shown, raw, count) in enumerate(named):
        y = n * 24
        fill = (
            f'<rect class="fill {tone}" x="118" y="{y + 6}" '
            f'width="{round(max(160 * count / top, 3), 1)}" height="11" rx="3"/>'
            if count
            else ""
        )
        parts.append(
            f"\n    <g><title>{shown}: {count} ({round(100 * count / total)} %)</title>\n"
            f'      <text x="0" y="{y + 15}">{escape(_short(raw))}</text>\n'
            f'      <rect class="track" x="118" y="{y + 6}" width="160" height="11" rx="3"/>\n'
            f'      {fill}\n      <text class="n" x="286" y="{y + 15}">{count:,}</text>\n    </g>'
        )
    parts.append("\n  </svg>\n</figure>")
    return Markup("".join(parts))
