"""The blueprint picture: phases as columns, layers as lanes, lines between them (pure: data in, SVG out)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from servitize.sales.process import LAYER_TITLES, LINES, PHASES, Layer

LABEL_W, COL_W, HEAD_H, BOX_W, BOX_H, GAP, PAD = 168, 270, 58, 218, 46, 8, 14
BOX_X = 22  # boxes sit left in their column; the gutter on the right holds the gates
LEGEND_H = 40
LAYERS = list(Layer)
# The lane where each gate's decision is taken: its diamond sits there on the phase boundary.
GATE_LANE = {
    "pursue": "support",
    "tender": "backstage",
    "approval": "management",
    "acceptance": "customer",
}
GATE_SYMBOL = {"pursue": "P", "tender": "T", "approval": "A", "acceptance": "FAT"}
STYLES = {  # state: (fill, stroke, text)
    "done": ("#e7f6ec", "#15803d", "#14532d"),
    "late": ("#fdecea", "#b42318", "#7a1a12"),
    "open": ("#ffffff", "#9aa6b2", "#17212b"),
    "current": ("#ffffff", "#0f766e", "#17212b"),
    "skipped": ("#f3f5f8", "#c6ced6", "#6b7886"),
}
DECISION_STYLE = {
    "go": ("#15803d", "#ffffff"),
    "no_go": ("#b42318", "#ffffff"),
    None: ("#ffffff", "#4a5866"),
}
LINE_DASH = ("", "7 4", "2 3", "10 3 2 3", "1 4")


@dataclass(frozen=True)
class Box:
    """An activity box: state is done/late/open/current/skipped, or heat 0..1 for aggregates."""

    phase: int
    layer: str
    title: str
    state: str = "open"
    touchpoint: bool = False
    required: bool = False
    note: str = ""
    heat: float | None = None


@dataclass(frozen=True)
class Diamond:
    """A gate on the boundary after its phase; decision go, no_go or None (not yet)."""

    phase: int
    gate: str
    label: str
    decision: str | None = None
    note: str = ""
    caption: str = ""


def _wrap(text: str, width: int, lines: int) -> list[str]:
    words, out, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _heat_style(heat: float) -> tuple[str, str, str]:
    """White to red by the share of late or missing activities."""
    g = int(246 - 150 * heat)
    return (
        f"rgb(253,{g},{g - 4 if g > 4 else 0})",
        "#b42318" if heat >= 0.3 else "#9aa6b2",
        "#17212b",
    )


def _lane_heights(boxes: list[Box]) -> dict[str, int]:
    counts: dict[tuple[int, str], int] = {}
    for b in boxes:
        counts[(b.phase, b.layer)] = counts.get((b.phase, b.layer), 0) + 1
    return {
        layer: max([counts.get((p, layer), 0) for p in PHASES] + [1]) * (BOX_H + GAP) + 2 * GAP + 8
        for layer in LAYERS
    }


def _box(b: Box, x: int, y: int) -> str:
    fill, stroke, ink = (
        _heat_style(b.heat) if b.heat is not None else STYLES.get(b.state, STYLES["open"])
    )
    weight = ' font-weight="600"' if b.required else ""
    dash = ' stroke-dasharray="4 3"' if b.state == "skipped" else ""
    lines = _wrap(
        b.title, (30 if b.required else 33) - (3 if b.touchpoint else 0), 2 if b.note else 3
    )
    text = "".join(
        f'<text x="{x + 10}" y="{y + 14 + 12 * i}" fill="{ink}"{weight}>{escape(t)}</text>'
        for i, t in enumerate(lines)
    )
    if b.note:
        note = b.note if len(b.note) <= 40 else b.note[:39] + "…"
        note_ink = stroke if b.heat is None else "#5b1710"
        text += f'<text x="{x + 10}" y="{y + BOX_H - 6}" class="note" font-size="9.5" fill="{note_ink}">{escape(note)}</text>'
    touch = (
        f'<circle cx="{x + BOX_W - 10}" cy="{y + 10}" r="5" fill="#0f766e" stroke="#fff" stroke-width="1.5">'
        "<title>customer touch-point</title></circle>"
        if b.touchpoint
        else ""
    )
    title = f"{b.title}{' (required)' if b.required else ''}{' — ' + b.note if b.note else ''}"
    return (
        f'<g class="activity {b.state}"><title>{escape(title)}</title>'
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{1.6 if b.state in ("late", "current") else 1.1}"{dash}/>'
        f"{text}{touch}</g>"
    )


def _diamond(d: Diamond, cx: int, cy: int) -> str:
    fill, ink = DECISION_STYLE.get(d.decision, DECISION_STYLE[None])
    r = 15
    points = f"{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} {cx - r},{cy}"
    verdict = {"go": "go", "no_go": "no go"}.get(d.decision or "", "open")
    return (
        f'<g class="gate {d.gate} {d.decision or "pending"}"><title>{escape(d.label)}: {verdict}'
        f"{' — ' + escape(d.note) if d.note else ''}</title>"
        f'<polygon points="{points}" fill="{fill}" stroke="#4a5866" stroke-width="1.4"/>'
        f'<text x="{cx}" y="{cy + 4}" text-anchor="middle" fill="{ink}" class="gate-sym" font-size="10" font-weight="700">'
        f"{GATE_SYMBOL.get(d.gate, '?')}</text>"
        f'<text x="{cx}" y="{cy + r + 11}" text-anchor="middle" class="note" font-size="9.5" fill="{fill if d.decision else "#4a5866"}">'
        f"{escape(d.caption or verdict)}</text></g>"
    )


def _legend(y: int, width: int) -> str:
    items = [("done", "done"), ("late", "late"), ("current", "open, this phase"), ("open", "open")]
    out, x = (
        [f'<g class="legend" font-size="10.5" fill="#4a5866" transform="translate({PAD},{y})">'],
        0,
    )
    for state, label in items:
        fill, stroke, _ = STYLES[state]
        out.append(
            f'<rect x="{x}" y="0" width="18" height="12" rx="3" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{x + 24}" y="10">{label}</text>'
        )
        x += 38 + 7 * len(label)
    out.append(
        f'<circle cx="{x + 6}" cy="6" r="5" fill="#0f766e"/><text x="{x + 16}" y="10">customer touch-point</text>'
    )
    x += 170
    out.append(
        f'<polygon points="{x + 7},0 {x + 14},7 {x + 7},14 {x},7" fill="#fff" stroke="#4a5866"/>'
        f'<text x="{x + 20}" y="10">gate: P pursue · T tender · A approval · FAT acceptance</text>'
    )
    out.append(f'<text x="{width - 3 * PAD}" y="10" text-anchor="end">bold: required</text></g>')
    return "".join(out)


def draw(
    boxes: list[Box], diamonds: list[Diamond], *, title: str, current_phase: int | None = None
) -> str:
    """The swimlane blueprint as standalone SVG text."""
    heights = _lane_heights(boxes)
    width = LABEL_W + COL_W * len(PHASES) + 2 * PAD
    lane_y, y = {}, HEAD_H + 26
    for layer in LAYERS:
        lane_y[layer.value] = y
        y += heights[layer]
    bottom = y
    height = bottom + LEGEND_H
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(title)}" class="blueprint" '
            'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" font-size="11">'
        ),
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="20" font-size="15" font-weight="650" fill="#17212b">{escape(title)}</text>',
    ]
    for i, (phase, name) in enumerate(PHASES.items()):
        x = LABEL_W + i * COL_W
        current = phase == current_phase
        if current:
            out.append(
                f'<rect x="{x}" y="{HEAD_H - 24}" width="{COL_W}" height="{bottom - HEAD_H + 24}" fill="#e6f4f2"/>'
            )
        out.append(
            f'<rect x="{x + 2}" y="{HEAD_H - 22}" width="{COL_W - 4}" height="44" rx="6" '
            f'fill="{"#0f766e" if current else "#111c27"}"/>'
        )
        for j, line in enumerate(_wrap(f"{phase} · {name}", 38, 2)):
            out.append(
                f'<text x="{x + COL_W // 2}" y="{HEAD_H - 6 + 14 * j}" text-anchor="middle" '
                f'fill="#fff" class="phase-title" font-size="11">{escape(line)}</text>'
            )
    for k, layer in enumerate(LAYERS):
        y0 = lane_y[layer.value]
        fill = "#f7f9fb" if k % 2 else "#ffffff"
        out.append(
            f'<rect x="0" y="{y0}" width="{LABEL_W}" height="{heights[layer]}" fill="{fill}"/>'
        )
        out.append(
            f'<text x="{PAD}" y="{y0 + 22}" class="lane-title" font-size="12" font-weight="650" fill="#17212b">{LAYER_TITLES[layer]}</text>'
        )
    for i in range(1, len(PHASES)):
        x = LABEL_W + i * COL_W
        out.append(
            f'<line x1="{x}" y1="{HEAD_H + 24}" x2="{x}" y2="{bottom}" stroke="#c6ced6" stroke-dasharray="3 4"/>'
        )
    for k, line in enumerate(LINES):
        ly = lane_y[LAYERS[k + 1].value]
        out.append(
            f'<line x1="0" y1="{ly}" x2="{width - PAD}" y2="{ly}" stroke="#4a5866" '
            f'stroke-width="{1.6 if k == 0 else 1.1}" stroke-dasharray="{LINE_DASH[k]}"/>'
        )
        out.append(
            f'<text x="{PAD}" y="{ly - 5}" class="line-label" font-size="9.5" font-style="italic" fill="#4a5866">{line}</text>'
        )
    slots: dict[tuple[int, str], int] = {}
    for b in boxes:
        n = slots.get((b.phase, b.layer), 0)
        slots[(b.phase, b.layer)] = n + 1
        x = LABEL_W + (b.phase - 1) * COL_W + BOX_X
        out.append(_box(b, x, lane_y[b.layer] + 30 + n * (BOX_H + GAP) - 8))
    for d in diamonds:
        lane = GATE_LANE.get(d.gate, "support")
        cx = LABEL_W + (d.phase - 1) * COL_W + BOX_X + BOX_W + (COL_W - BOX_W) // 2
        cy = lane_y[lane] + 26 + (0 if d.gate != "approval" else 8)
        out.append(_diamond(d, cx, cy))
    out.append(_legend(bottom + 14, width))
    out.append("</svg>")
    return "".join(out)
