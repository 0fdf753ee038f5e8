"""The lab's two pictures as server-drawn SVG (no script, no style: colours are attributes).

The role map puts each variable at (passive sum, active sum) with the quadrant lines and the
Q = 1 diagonal (active = passive); the effect graph draws the variables on a circle and each
scored cell as an arrow: thicker for a higher score, blue for ``+``, red for ``-``, dashed
when slow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from servitize.organisation.rules import Index, Matrix, Roles

INK, MUTED, PLUS, MINUS = "#374151", "#9ca3af", "#2563eb", "#dc2626"
QUADRANT_FILL = {
    "active": "#16a34a",
    "reactive": "#d97706",
    "critical": "#dc2626",
    "buffering": "#6b7280",
}


def _short(text: str, length: int = 18) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def role_map(found: Sequence[Index], roles: Roles) -> Markup:
    """Passive sum on x, active sum on y, the quadrant lines and the Q = 1 diagonal."""
    w, h, left, bottom, top, right = 560, 420, 48, 40, 12, 130
    top_value = max([1, *(x.active for x in found), *(x.passive for x in found)])
    top_value = max(top_value, math.ceil(max(roles.active_line, roles.passive_line)))
    pw, ph = w - left - right, h - top - bottom

    def x(v: float) -> float:
        return round(left + pw * v / top_value, 1)

    def y(v: float) -> float:
        return round(top + ph * (1 - v / top_value), 1)

    summary = "; ".join(
        f"{i.name}: passive {i.passive}, active {i.active}, {roles.quadrant[i.name]}" for i in found
    )
    parts = [
        f'<svg class="role-map" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape("Role map: " + summary)}">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="{MUTED}"/>',
        # Q = 1: active equals passive
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(top_value)}" y2="{y(top_value)}" '
        f'stroke="{MUTED}" stroke-dasharray="2 3" data-line="q1"/>',
        f'<text x="{x(top_value) - 4}" y="{y(top_value) + 14}" text-anchor="end" '
        f'font-size="10" fill="{INK}">Q = 1</text>',
        f'<line x1="{x(roles.passive_line)}" y1="{top}" x2="{x(roles.passive_line)}" '
        f'y2="{top + ph}" stroke="{INK}" stroke-dasharray="5 3" data-line="passive"/>',
        f'<line x1="{left}" y1="{y(roles.active_line)}" x2="{left + pw}" '
        f'y2="{y(roles.active_line)}" stroke="{INK}" stroke-dasharray="5 3" data-line="active"/>',
    ]
    for label, lx, ly, anchor in (
        ("active", left + 4, top + 12, "start"),
        ("critical", left + pw - 4, top + 12, "end"),
        ("buffering", left + 4, top + ph - 6, "start"),
        ("reactive", left + pw - 4, top + ph - 6, "end"),
    ):
        parts.append(
            f'<text x="{lx}" y="{ly}" text-anchor="{anchor}" font-size="11" '
            f'fill="{QUADRANT_FILL[label]}">{label}</text>'
        )
    for v in range(0, top_value + 1, max(1, top_value // 6)):
        parts.append(
            f'<text x="{x(v)}" y="{top + ph + 14}" text-anchor="middle" font-size="10" '
            f'fill="{INK}">{v}</text>'
            f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end" font-size="10" '
            f'fill="{INK}">{v}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2}" y="{h - 6}" text-anchor="middle" font-size="11" '
        f'fill="{INK}">passive sum</text>'
        f'<text x="12" y="{top + ph / 2}" text-anchor="middle" font-size="11" fill="{INK}" '
        f'transform="rotate(-90 12 {top + ph / 2})">active sum</text>'
    )
    for i in found:
        colour = QUADRANT_FILL[roles.quadrant[i.name]]
        parts.append(
            f'<circle cx="{x(i.passive)}" cy="{y(i.active)}" r="5" fill="{colour}">'
            f"<title>{escape(i.name)}: passive {i.passive}, active {i.active}</title></circle>"
            f'<text x="{x(i.passive) + 7}" y="{y(i.active) + 4}" font-size="10" '
            f'fill="{INK}">{escape(_short(i.name))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def effect_graph(variables: Sequence[str], matrix: Matrix) -> Markup:
    """The variables on a circle, each scored cell an arrow from row to column."""
    n = len(variables)
    size, radius = 560, 200
    centre = size / 2
    spots = [
        (
            round(centre + radius * math.cos(2 * math.pi * k / n - math.pi / 2), 1),
            round(centre + radius * math.sin(2 * math.pi * k / n - math.pi / 2), 1),
        )
        for k in range(n)
    ]
    links = sum(1 for row in matrix for c in row if c.score)
    parts = [
        f'<svg class="effect-graph" viewBox="-60 0 {size + 120} {size}" width="{size + 120}" '
        f'height="{size}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="{escape(f"Effect graph: {n} variables, {links} effects")}">',
        "<defs>",
    ]
    for name, colour in (("plus", PLUS), ("minus", MINUS)):
        parts.append(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
            f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    for i in range(n):
        for j in range(n):
            cell = matrix[i][j]
            if not cell.score:
                continue
            (x1, y1), (x2, y2) = spots[i], spots[j]
            length = math.hypot(x2 - x1, y2 - y1) or 1
            # stop short of the node, and bend a little so that i→j and j→i do not overlap
            ux, uy = (x2 - x1) / length, (y2 - y1) / length
            sx, sy, ex, ey = x1 + ux * 10, y1 + uy * 10, x2 - ux * 12, y2 - uy * 12
            mx, my = (sx + ex) / 2 - uy * 18, (sy + ey) / 2 + ux * 18
            colour, name = (MINUS, "minus") if cell.sign == "-" else (PLUS, "plus")
            dash = ' stroke-dasharray="6 4"' if cell.speed == "slow" else ""
            parts.append(
                f'<path d="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none" '
                f'stroke="{colour}" stroke-width="{0.6 + 0.8 * cell.score:.1f}" '
                f'stroke-opacity="0.7"{dash} marker-end="url(#arrow-{name})">'
                f"<title>{escape(variables[i])} → {escape(variables[j])}: {cell.text}</title>"
                "</path>"
            )
    for k, (cx, cy) in enumerate(spots):
        anchor = "start" if cx > centre + 1 else "end" if cx < centre - 1 else "middle"
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        dy = -10 if cy < centre - radius + 1 else 16 if cy > centre + radius - 1 else 4
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="7" fill="#ffffff" stroke="{INK}"/>'
            f'<text x="{cx + dx}" y="{cy + dy}" text-anchor="{anchor}" font-size="11" '
            f'fill="{INK}">{escape(_short(variables[k], 24))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(title: str, series: Sequence[tuple[str, Sequence[float], str]], unit: str) -> Markup:
    """Monthly lines (label, values from month 1, colour) on one axis from 0."""
    w, h, left, top, bottom = 640, 260, 70, 12, 56
    months = max((len(v) for _l, v, _c in series), default=0)
    high = max([1.0, *(max(v) for _l, v, _c in series if v)])
    pw, ph = w - left - 12, h - top - bottom

    def x(i: int) -> float:
        return round(left + pw * i / max(months - 1, 1), 1)

    def y(v: float) -> float:
        return round(top + ph * (1 - v / high), 1)

    summary = "; ".join(
        f"{name}: {v[-1]:,.0f} {unit} in month {len(v)}" for name, v, _c in series if v
    )
    parts = [
        f'<svg class="sim-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title + ": " + summary)}">',
        f'<line x1="{left}" y1="{y(0)}" x2="{w - 12}" y2="{y(0)}" stroke="{MUTED}"/>',
    ]
    for v in (0, high / 2, high):
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end" font-size="10" '
            f'fill="{INK}">{v:,.0f}</text>'
        )
    for i in range(0, months, 6):
        parts.append(
            f'<text x="{x(i)}" y="{h - bottom + 14}" text-anchor="middle" font-size="10" '
            f'fill="{INK}">{i + 1}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2}" y="{h - bottom + 28}" text-anchor="middle" font-size="10" '
        f'fill="{INK}">month ({escape(unit)})</text>'
    )
    for k, (name, values, colour) in enumerate(series):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
            f'<text x="{left + 8 + 150 * k}" y="{h - 8}" font-size="11" fill="{colour}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
