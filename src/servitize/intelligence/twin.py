"""Digital-twin sales positioning: solution level x customer understanding. Pure.

Light twins are simulations used as a sales aid and not delivered; moderate twins monitor a
process or sub-process (efficiency, predictive maintenance); deep twins use real-time data
from many sources across lines, factories or the value chain. The further right and up a cell,
the more proficiency the salesperson needs: 1 + level index + understanding index (max 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("light", "moderate", "deep")
UNDERSTANDING = ("sub-process", "process", "business", "ecosystem")
# The solution level each digital family is sold at; others are light (a sales-aid simulation).
FAMILY_LEVEL = {
    "condition_monitoring": "moderate",
    "remote_service": "moderate",
    "digital_twin": "deep",
    "availability_contract": "deep",
}
CHALLENGES = {
    "light": [
        "Resistance to digitalisation and change at the customer",
        "Silos at the customer that block the transformation",
        "Doubts about the reliability of the twin's configuration",
        "Who updates the twin and its information after the sale?",
    ],
    "moderate": [
        "Compatibility of platform, systems and data",
        "Old infrastructure that does not support the integrations",
        "Customer-specific lines: the twin must be changed for each sale",
        "Openness to share data from several sources",
    ],
    "deep": [
        "Make the meaning of real-time data clear to the customer",
        "Data ownership and sharing rules in the ecosystem",
        "Model complexity: can it still run in real time?",
        "New earning logics: licences, subscriptions, value co-creation",
    ],
}


@dataclass(frozen=True)
class Position:
    """Where one digital offering sold to an account sits, and what selling it takes."""

    account_id: int
    account: str
    offering: str
    level: str
    understanding: str
    needed: int
    owner_proficiency: int | None
    warning: str | None
    checklist: list[str] = field(default_factory=list)
    target: tuple[str, str] | None = None


def needed_proficiency(level: str, understanding: str) -> int:
    """Salesperson proficiency 1..5 a cell of the grid needs."""
    return min(5, 1 + LEVELS.index(level) + UNDERSTANDING.index(understanding))


def understanding_of(level: str, covered_assets: int, account_sites: int, via_dealer: bool) -> str:
    """How much of the customer the offering touches: one machine, a line, the plants, beyond."""
    if level == "deep" and (via_dealer or account_sites > 2):
        return "ecosystem"
    if account_sites > 1 and covered_assets >= account_sites:
        return "business"
    return "process" if covered_assets > 1 else "sub-process"


def target_of(level: str, understanding: str, segment: str | None) -> tuple[str, str]:
    """The next cell to aim for: one step further for ready, connected segments."""
    li, ui = LEVELS.index(level), UNDERSTANDING.index(understanding)
    if segment == "Digital partner":
        return LEVELS[min(li + 1, 2)], UNDERSTANDING[min(ui + 1, 3)]
    if segment in {"Service buyer", "Digital potential"}:
        return LEVELS[max(li, 1)], UNDERSTANDING[max(ui, 1)]
    return level, understanding


def position(
    account_id: int,
    account: str,
    family: str,
    offering: str,
    covered_assets: int,
    account_sites: int,
    via_dealer: bool,
    proficiency: int | None,
    segment: str | None = None,
) -> Position:
    """Place one sold digital offering on the grid and check the owner's proficiency."""
    level = FAMILY_LEVEL.get(family, "light")
    und = understanding_of(level, covered_assets, account_sites, via_dealer)
    need = needed_proficiency(level, und)
    warning = None
    if proficiency is None:
        warning = f"proficiency of the account owner not recorded; this cell needs {need}"
    elif proficiency < need:
        warning = (
            f"the account owner's proficiency {proficiency} is below the {need} this "
            f"cell needs: bring in a digital specialist"
        )
    return Position(
        account_id,
        account,
        offering,
        level,
        und,
        need,
        proficiency,
        warning,
        list(CHALLENGES[level]),
        target_of(level, und, segment),
    )


def svg(positions: list[Position], width: int = 560) -> str:
    """The grid as an SVG: filled dots now, hollow dots where the account should go next."""
    cw, ch, left, top = (width - 120) // 3, 70, 110, 30
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {top + 4 * ch + 40}"'
            ' role="img" aria-label="Digital-twin positioning grid" font-size="12">'
        )
    ]
    for i, lvl in enumerate(LEVELS):
        parts.append(
            f'<text x="{left + i * cw + cw / 2}" y="{top + 4 * ch + 20}" '
            f'text-anchor="middle">{lvl}</text>'
        )
    for j, und in enumerate(UNDERSTANDING):
        y: float = top + (3 - j) * ch
        parts.append(f'<text x="{left - 8}" y="{y + ch / 2}" text-anchor="end">{und}</text>')
        for i, lvl in enumerate(LEVELS):
            need = needed_proficiency(lvl, und)
            parts.append(
                f'<rect x="{left + i * cw}" y="{y}" width="{cw}" height="{ch}" '
                f'fill="hsl(210,60%,{97 - need * 7}%)" stroke="#bbb">'
                f"<title>{lvl} x {und}: proficiency {need}</title></rect>"
            )
    for kind, cells in (("now", _count(positions, False)), ("target", _count(positions, True))):
        for (lvl, und), n in cells.items():
            x = left + LEVELS.index(lvl) * cw + cw * (0.35 if kind == "now" else 0.7)
            y = top + (3 - UNDERSTANDING.index(und)) * ch + ch / 2
            r = min(24, 8 + 3 * n**0.5)  # room for the number inside
            style = 'fill="#1f6feb"' if kind == "now" else 'fill="#fff" stroke="#1f6feb"'
            ink = "#fff" if kind == "now" else "#1f6feb"
            accounts = "account" if n == 1 else "accounts"
            where = "now at" if kind == "now" else "should move to"
            title = f"{n} {kind}: {n:,} {accounts} {where} {lvl} x {und}"
            parts.append(
                f'<g data-kind="{kind}" data-count="{n}"><title>{title}</title>'
                f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{r:.1f}" {style}/>'
                f'<text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle" fill="{ink}" '
                f'font-weight="600" font-size="11">{n:,}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _count(positions: list[Position], target: bool) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for p in positions:
        cell = p.target if target and p.target else (p.level, p.understanding)
        out[cell] = out.get(cell, 0) + 1
    return out
