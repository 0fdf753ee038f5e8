"""The MRR bridge as a server-drawn SVG waterfall: opening MRR, each movement as a step up or
down, closing MRR. No I/O; classes only (the page's stylesheet colours them), no inline style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from servitize.offers.mrr import Movements

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 220, 8, 8, 16, 40


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: from ``low`` to ``high`` (cents), its name and signed value."""

    name: str
    value_cents: int
    low: int
    high: int
    tone: str  # total, up or down


def steps(months: Sequence[Movements]) -> list[Step]:
    """Opening of the first month, the window's movements, closing of the last month; each step
    starts where the one before ended, so the last one lands on the closing MRR."""
    if not months:
        return []
    opening, closing = months[0].opening_cents, months[-1].closing_cents
    if len(months) > 1:  # the first month carries its MRR in; the window moves from its close
        opening = months[0].closing_cents
        months = months[1:]
    out = [Step("opening", opening, 0, opening, "total")]
    level = opening
    for name in ("new", "expansion", "reactivation", "contraction", "churn"):
        value = sum(getattr(m, f"{name}_cents") for m in months)
        nxt = level + value
        out.append(
            Step(name, value, min(level, nxt), max(level, nxt), "up" if value >= 0 else "down")
        )
        level = nxt
    assert level == closing, "the movements do not add up to the closing MRR"
    out.append(Step("closing", closing, 0, closing, "total"))
    return out


def waterfall(title: str, months: Sequence[Movements], currency: str = "") -> Markup:
    """The waterfall of ``months`` as an SVG figure (with a text summary for screen readers)."""
    found = steps(months)
    name = escape(title)
    head = f'<figure class="chart waterfall">\n  <h3>{name}</h3>\n'
    if not found or not any(s.high for s in found):
        return Markup(head + '  <p class="empty">No recurring revenue yet.</p>\n</figure>')
    top = max(s.high for s in found)
    plot_h = H - PAD_T - PAD_B
    slot = (W - PAD_L - PAD_R) / len(found)

    def y(cents: int) -> float:
        return round(PAD_T + plot_h - cents / top * plot_h, 1)

    summary = ", ".join(f"{s.name} {s.value_cents / 100:,.2f}" for s in found)
    parts = [head, f'  <svg viewBox="0 0 {W} {H}" role="img" aria-label="{name}: {summary}">']
    for i, s in enumerate(found):
        x = round(PAD_L + slot * i + slot * 0.15, 1)
        width = round(slot * 0.7, 1)
        height = max(round(y(s.low) - y(s.high), 1), 1.0)
        amount = f"{s.value_cents / 100:,.2f}"
        parts.append(
            f'\n    <g class="step {s.tone}" data-step="{s.name}"><title>{s.name}: {amount} '
            f"{escape(currency)}</title>\n"
            f'      <rect x="{x}" y="{y(s.high)}" width="{width}" height="{height}" rx="2"/>\n'
            f'      <text x="{round(x + width / 2, 1)}" y="{H - PAD_B + 14}">{s.name}</text>\n'
            f'      <text class="n" x="{round(x + width / 2, 1)}" y="{H - PAD_B + 28}">'
            f"{amount}</text>\n    </g>"
        )
    parts.append("\n  </svg>\n</figure>")
    return Markup("".join(parts))
