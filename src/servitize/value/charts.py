"""The value case's two charts as server-drawn SVG: the cumulative cash flow of each alternative
over the years, and the tornado of the NPV's sensitivity. Like ``core.charts`` they are written
in Python; colours are SVG attributes (no style), so the same SVG serves the page and the PDF."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from servitize.value.alternatives import Alternative

COLOURS = ("#6b7280", "#2563eb", "#16a34a", "#d97706")
W, H, LEFT, TOP, BOTTOM = 640, 280, 78, 12, 60


def _amount(cents: float) -> str:
    major = cents / 100
    if abs(major) >= 1_000_000:
        return f"{major / 1_000_000:,.1f} M"
    if abs(major) >= 1_000:
        return f"{major / 1_000:,.0f} k"
    return f"{major:,.0f}"


def cumulative(alternatives: Sequence[Alternative], currency: str) -> Markup:
    """Lines of each alternative's cumulative flow by year (0 … N), with a zero line."""
    series = [a.cumulative_cents for a in alternatives]
    years = max((len(s) for s in series), default=0) - 1
    low = min([0, *(min(s) for s in series if s)])
    high = max([0, *(max(s) for s in series if s)])
    span = (high - low) or 1
    plot_w, plot_h = W - LEFT - 12, H - TOP - BOTTOM

    def x(i: int) -> float:
        return round(LEFT + plot_w * i / max(years, 1), 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (high - v) / span, 1)

    summary = "; ".join(
        f"{a.label}: {_amount(a.cumulative_cents[-1])} {currency} after {years} years"
        for a in alternatives
        if a.cumulative_cents
    )
    parts = [
        f'<svg class="value-chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape("Cumulative cash flow: " + summary)}">'
    ]
    for v in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(v) + 4}" text-anchor="end" font-size="10" '
            f'fill="#374151">{escape(_amount(v))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{y(0)}" x2="{W - 12}" y2="{y(0)}" stroke="#9ca3af" '
        'stroke-dasharray="4 3"/>'
    )
    for i in range(years + 1):
        if years <= 12 or i % max(1, years // 10) == 0:
            parts.append(
                f'<text x="{x(i)}" y="{H - BOTTOM + 14}" text-anchor="middle" font-size="10" '
                f'fill="#374151">{i}</text>'
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{H - BOTTOM + 28}" text-anchor="middle" '
        f'font-size="10" fill="#374151">years (amounts in {escape(currency)})</text>'
    )
    for n, a in enumerate(alternatives):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(a.cumulative_cents))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(a.label)}</title></polyline>"
        )
        lx = 8 + 158 * (n % 4)
        parts.append(
            f'<rect x="{lx}" y="{H - 14}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{H - 9}" font-size="9" fill="#374151">'
            f"{escape(a.label[:30])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def tornado(bars: Sequence[tuple[str, float, float]], base: float, currency: str) -> Markup:
    """Horizontal bars of the NPV at −X % and +X % of each assumption around the base NPV
    (``bars``: label, NPV low, NPV high in major units; largest swing first)."""
    if not bars:
        return Markup(
            '<svg class="value-chart" viewBox="0 0 560 30" width="560" height="30" role="img" '
            'xmlns="http://www.w3.org/2000/svg" aria-label="No assumption to vary">'
            '<text x="0" y="18" font-size="11" fill="#374151">No assumption to vary.</text></svg>'
        )
    row = 22
    height = TOP + row * len(bars) + 24
    low = min([base, *(min(lo, hi) for _n, lo, hi in bars)])
    high = max([base, *(max(lo, hi) for _n, lo, hi in bars)])
    span = (high - low) or 1
    left, plot_w = 200, W - 200 - 70

    def x(v: float) -> float:
        return round(left + plot_w * (v - low) / span, 1)

    summary = "; ".join(f"{n}: {lo:,.0f} to {hi:,.0f}" for n, lo, hi in bars)
    parts = [
        f'<svg class="value-chart" viewBox="0 0 {W} {height}" width="{W}" height="{height}" '
        f'role="img" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="{escape(f"NPV sensitivity around {base:,.0f} {currency}: {summary}")}">'
    ]
    for i, (name, lo, hi) in enumerate(bars):
        top = TOP + i * row
        small, big = min(lo, hi), max(lo, hi)
        parts.append(
            f'<text x="{left - 6}" y="{top + 14}" text-anchor="end" font-size="10" '
            f'fill="#374151">{escape(name[:34])}</text>'
        )
        if small < base:
            parts.append(
                f'<rect x="{x(small)}" y="{top + 4}" width="{round(x(base) - x(small), 1)}" '
                f'height="13" fill="#dc2626"><title>{escape(name)}: {small:,.0f}</title></rect>'
            )
        if big > base:
            parts.append(
                f'<rect x="{x(base)}" y="{top + 4}" width="{round(x(big) - x(base), 1)}" '
                f'height="13" fill="#16a34a"><title>{escape(name)}: {big:,.0f}</title></rect>'
            )
        parts.append(
            f'<text x="{x(big) + 4}" y="{top + 14}" font-size="9" fill="#374151">'
            f"±{escape(_amount((big - small) * 50))}</text>"
        )
    parts.append(
        f'<line x1="{x(base)}" y1="{TOP - 4}" x2="{x(base)}" y2="{height - 20}" stroke="#111827"/>'
        f'<text x="{x(base)}" y="{height - 6}" text-anchor="middle" font-size="10" '
        f'fill="#374151">NPV {escape(_amount(base * 100))} {escape(currency)}</text></svg>'
    )
    return Markup("".join(parts))
