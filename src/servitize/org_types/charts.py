"""The types page's picture as server-drawn SVG (no script, no style: colours are attributes).

One column per type, one row per offering family; each cell is coloured by the desk that owns
the family under that type, so the picture shows integration growing from type 1 (three
colours) to type 4 (one). The number of accounts each type serves today heads its column.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from servitize.org_types import rules

INK, MUTED = "#374151", "#6b7280"
DESK_FILL = {
    rules.Desk.product: "#e5e7eb",
    rules.Desk.service: "#bfdbfe",
    rules.Desk.digital: "#bbf7d0",
    rules.Desk.service_digital: "#a5f3fc",
    rules.Desk.bundle: "#fde68a",
    rules.Desk.subscription: "#ddd6fe",
}


def served_bars(counts: dict[int, int]) -> Markup:
    """Families (rows) × types (columns), each cell the owning desk; accounts per type on top."""
    left, top, cw, ch, gap = 110, 52, 150, 34, 6
    families = list(rules.Family)
    width = left + len(rules.TYPE_NUMBERS) * (cw + gap)
    height = top + len(families) * (ch + gap) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="own-title" '
        'data-testid="ownership-picture">',
        '<title id="own-title">Who owns which offering family under each type</title>',
    ]
    for i, f in enumerate(families):
        y = top + i * (ch + gap)
        parts.append(
            f'<text x="{left - 8}" y="{y + ch / 2 + 4}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(f.value)}</text>'
        )
    for j, n in enumerate(rules.TYPE_NUMBERS):
        x = left + j * (cw + gap)
        kind = rules.TYPES[n]
        parts.append(
            f'<text x="{x + cw / 2}" y="18" text-anchor="middle" font-size="14" '
            f'font-weight="bold" fill="{INK}">Type {n}</text>'
        )
        served = counts.get(n, 0)
        parts.append(
            f'<text x="{x + cw / 2}" y="36" text-anchor="middle" font-size="12" '
            f'fill="{MUTED}">{served:,} account{"" if served == 1 else "s"}</text>'
        )
        for i, f in enumerate(families):
            y = top + i * (ch + gap)
            desk = kind.owners[f]
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cw}" height="{ch}" rx="4" '
                f'fill="{DESK_FILL[desk]}"><title>type {n}: {escape(f.value)} → '
                f"{escape(rules.DESK_NAMES[desk])}</title></rect>"
            )
            parts.append(
                f'<text x="{x + cw / 2}" y="{y + ch / 2 + 4}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{escape(rules.DESK_NAMES[desk])}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
