"""The measures' charts, drawn on the server as SVG: a scatter (CLV against CAC per group),
lines (cohort retention curves, a measure's trend) and bars (CAC payback in months). Classes
only, no inline style (the page's stylesheet colours them); a text summary for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 560, 240, 56, 16, 14, 34
TONES = 6


def _figure(cls: str, title: str) -> str:
    return f'<figure class="chart {cls}">\n  <h3>{escape(title)}</h3>\n'


def _empty(cls: str, title: str, why: str) -> Markup:
    return Markup(_figure(cls, title) + f'  <p class="empty">{escape(why)}</p>\n</figure>')


def _nice(top: float) -> float:
    if top <= 0:
        return 1.0
    for step in (1, 2, 2.5, 5, 10):
        scale = 10 ** (len(str(int(top))) - 1)
        if step * scale >= top:
            return float(step * scale)
    return float(top)


def scatter(
    title: str,
    points: Sequence[tuple[str, float, float]],
    x_label: str,
    y_label: str,
    why_empty: str = "No group has both figures yet.",
) -> Markup:
    """Points (label, x, y), with a diagonal where y equals x (CLV/CAC = 1)."""
    if not points:
        return _empty("scatter", title, why_empty)
    top_x = _nice(max(p[1] for p in points))
    top_y = _nice(max(p[2] for p in points))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def xy(x: float, y: float) -> tuple[float, float]:
        return round(PAD_L + x / top_x * pw, 1), round(PAD_T + ph - y / top_y * ph, 1)

    summary = "; ".join(f"{lbl}: {x:,.0f}, {y:,.0f}" for lbl, x, y in points)
    parts = [
        _figure("scatter", title),
        f'  <svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}: {escape(summary)}">',
        _axes(top_x, top_y, x_label, y_label),
    ]
    one = min(top_x, top_y)
    (x0, y0), (x1, y1) = xy(0, 0), xy(one, one)
    parts.append(f'\n    <line class="par" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}"/>')
    for n, (lbl, x, y) in enumerate(points):
        cx, cy = xy(x, y)
        parts.append(
            f'\n    <g class="pt t{n % TONES}"><title>{escape(lbl)}: {x_label} {x:,.2f}, '
            f"{y_label} {y:,.2f}</title>"
            f'<circle cx="{cx}" cy="{cy}" r="5"/>'
            f'<text x="{round(cx + 7, 1)}" y="{round(cy + (-6 if n % 2 else 14), 1)}">'
            f"{escape(lbl[:24])}</text></g>"
        )
    parts.append("\n  </svg>\n</figure>")
    return Markup("".join(parts))


def _axes(top_x: float | None, top_y: float, x_label: str, y_label: str) -> str:
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    out = [
        f'\n    <line class="axis" x1="{PAD_L}" y1="{PAD_T + ph}" x2="{PAD_L + pw}" '
        f'y2="{PAD_T + ph}"/>',
        f'\n    <line class="axis" x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{PAD_T + ph}"/>',
    ]
    for k in range(5):
        v = top_y * k / 4
        y = round(PAD_T + ph - ph * k / 4, 1)
        out.append(f'\n    <text class="tick" x="{PAD_L - 6}" y="{y + 4}">{v:,.0f}</text>')
    if top_x is not None:
        for k in range(5):
            v = top_x * k / 4
            x = round(PAD_L + pw * k / 4, 1)
            out.append(f'\n    <text class="tick x" x="{x}" y="{PAD_T + ph + 14}">{v:,.0f}</text>')
    out.append(
        f'\n    <text class="label" x="{PAD_L + pw}" y="{H - 4}">{escape(x_label)}</text>'
        f'\n    <text class="label y" x="{PAD_L}" y="{PAD_T - 4}">{escape(y_label)}</text>'
    )
    return "".join(out)


def lines(
    title: str,
    series: Sequence[tuple[str, Sequence[Decimal | float | None]]],
    x_labels: Sequence[str],
    y_label: str,
    top: float | None = None,
    why_empty: str = "No data yet.",
) -> Markup:
    """One line per series over the ``x_labels`` (a None value breaks the line)."""
    values = [float(v) for _n, vs in series for v in vs if v is not None]
    if not series or not values or len(x_labels) < 1:
        return _empty("lines", title, why_empty)
    top_y = top if top is not None else _nice(max(max(values), 0.0))
    low = min(min(values), 0.0)
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    span = top_y - low or 1.0
    step = pw / max(len(x_labels) - 1, 1)

    def y(v: float) -> float:
        return round(PAD_T + ph - (v - low) / span * ph, 1)

    summary = "; ".join(
        f"{name}: " + ", ".join("–" if v is None else f"{float(v):g}" for v in vs)
        for name, vs in series
    )
    parts = [
        _figure("lines", title),
        f'  <svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}: {escape(summary)}">',
        _axes(None, top_y, "", y_label),
    ]
    every = max(len(x_labels) // 6, 1)
    for i, lbl in enumerate(x_labels):
        if i % every == 0:
            parts.append(
                f'\n    <text class="tick x" x="{round(PAD_L + i * step, 1)}" '
                f'y="{PAD_T + ph + 14}">{escape(lbl)}</text>'
            )
    for n, (name, vs) in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{round(PAD_L + i * step, 1)},{y(float(v))}")
        body = "".join(f'<polyline points="{" ".join(r)}"/>' for r in runs if len(r) > 1)
        dots = "".join(
            f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5"/>'
            for r in runs
            for p in r
        )
        parts.append(
            f'\n    <g class="ln t{n % TONES}" data-series="{escape(name)}">'
            f"<title>{escape(name)}</title>{body}{dots}</g>"
        )
    parts.append("\n  </svg>\n</figure>")
    return Markup("".join(parts))


def hbars(
    title: str, items: Sequence[tuple[str, float | None, str]], unit: str, why_empty: str
) -> Markup:
    """Horizontal bars (label, value or None, the text shown); a None bar shows its text."""
    drawn = [v for _l, v, _t in items if v is not None]
    if not items:
        return _empty("hbars", title, why_empty)
    top = max(drawn) if drawn else 1.0
    row = 24
    summary = ", ".join(f"{lbl} {text}" for lbl, _v, text in items)
    parts = [
        _figure("hbars", title),
        f'  <svg viewBox="0 0 {W} {len(items) * row}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}">',
    ]
    for n, (lbl, v, text) in enumerate(items):
        y0 = n * row
        bar = (
            f'<rect class="fill" x="150" y="{y0 + 6}" width="{round(max(260 * v / top, 2), 1)}" '
            f'height="11" rx="3"/>'
            if v is not None and top > 0
            else ""
        )
        parts.append(
            f"\n    <g><title>{escape(lbl)}: {escape(text)}</title>"
            f'<text x="0" y="{y0 + 15}">{escape(lbl[:22])}</text>'
            f'<rect class="track" x="150" y="{y0 + 6}" width="260" height="11" rx="3"/>{bar}'
            f'<text class="n" x="418" y="{y0 + 15}">{escape(text)}</text></g>'
        )
    parts.append("\n  </svg>\n</figure>")
    return Markup("".join(parts))


def spark(values: Sequence[Decimal | None], label: str) -> Markup:
    """A small trend line for a scorecard row (no axes)."""
    pts = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return Markup('<span class="muted">–</span>')
    lo = min(v for _i, v in pts)
    hi = max(v for _i, v in pts)
    span = hi - lo or 1.0
    w, h = 120, 28
    step = w / max(len(values) - 1, 1)
    points = " ".join(
        f"{round(i * step, 1)},{round(h - 3 - (v - lo) / span * (h - 6), 1)}" for i, v in pts
    )
    text = ", ".join("–" if v is None else f"{v}" for v in values)
    return Markup(
        f'<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{escape(label)} by month: {escape(text)}"><polyline points="{points}"/></svg>'
    )
