"""The pure rules of partners and competitors: which name is which competitor, the share of an
installed base a competitor holds, win/loss against it, which new appearances raise an alert,
which blueprint activities a partner may be assigned and when it may tick one done."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from servitize.core.errors import InvalidInput

PARTNER_ACTOR = "partner"
OPEN_OPPORTUNITY = ("open", "won")  # a partner works on these; a lost deal's work is over
MAX_ALIASES = 30

_SPACE = re.compile(r"\s+")
_FORMS = re.compile(r"[\s.,]+(gmbh|ag|inc|ltd|llc|s\.?a|s\.?p\.?a|co|kg|corp|corporation)\.?$")


def normalised(name: str) -> str:
    """A company name as compared: lower case, single spaces, no legal form at its end
    ("Kessler GmbH", "kessler  gmbh." and "KESSLER" are the same)."""
    text = _SPACE.sub(" ", name.strip().casefold())
    previous = None
    while previous != text:
        previous, text = text, _FORMS.sub("", text).strip()
    return text


def clean_aliases(name: str, aliases: Iterable[str]) -> list[str]:
    """The aliases as kept: trimmed, without the name itself and without repeats, in order."""
    seen = {normalised(name)}
    out: list[str] = []
    for alias in aliases:
        text = alias.strip()
        key = normalised(text)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(text)
    if len(out) > MAX_ALIASES:
        raise InvalidInput(f"aliases: at most {MAX_ALIASES}, {len(out)} given")
    return out


@dataclass(frozen=True)
class Named:
    """A competitor of the master as the matcher sees it."""

    id: int
    name: str
    aliases: Sequence[str]


def name_index(competitors: Iterable[Named]) -> dict[str, int]:
    """Each normalised name and alias to its competitor; a name claimed by two competitors
    belongs to the first (by id) and is refused when the second is saved (``alias_clash``)."""
    index: dict[str, int] = {}
    for c in sorted(competitors, key=lambda c: c.id):
        for text in (c.name, *c.aliases):
            index.setdefault(normalised(text), c.id)
    return index


def alias_clash(index: Mapping[str, int], own_id: int | None, names: Iterable[str]) -> str | None:
    """The first of ``names`` that another competitor already answers to, if any."""
    for text in names:
        other = index.get(normalised(text))
        if other is not None and other != own_id:
            return text
    return None


def match(index: Mapping[str, int], *names: str | None) -> int | None:
    """The competitor that the first given name (competitor, then manufacturer) answers to."""
    for text in names:
        if text and text.strip():
            found = index.get(normalised(text))
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class Share:
    """How many machines a competitor holds of an installed base, and the share (0..1)."""

    machines: int
    of: int

    @property
    def share(self) -> float:
        """The part of the installed base it holds; 0 for an empty base."""
        return self.machines / self.of if self.of else 0.0

    @property
    def percent(self) -> str:
        """The share in words, one decimal (as the pages show it)."""
        return f"{100 * self.share:.1f} %"


@dataclass(frozen=True)
class WinLoss:
    """Opportunities closed against a competitor: won, lost, and the win rate (None: none)."""

    won: int = 0
    lost: int = 0

    @property
    def rate(self) -> float | None:
        """Won of closed, or None when none closed."""
        closed = self.won + self.lost
        return self.won / closed if closed else None


def win_loss(results: Iterable[str]) -> WinLoss:
    """Win/loss from the statuses of the opportunities a competitor was named in (each once)."""
    won = lost = 0
    for status in results:
        if status == "won":
            won += 1
        elif status == "lost":
            lost += 1
    return WinLoss(won, lost)


def appearances(
    known: set[tuple[int, int]], present: Mapping[tuple[int, int], str]
) -> list[tuple[int, int, str]]:
    """(competitor, account, how) of the pairs present now that were not known before, in a
    stable order: these raise an alert."""
    return sorted((c, a, how) for (c, a), how in present.items() if (c, a) not in known)


def assignable(actor: str, code: str | None, partner_codes: Sequence[str]) -> bool:
    """Whether a partner may be assigned an activity: the blueprint's partner actor does it, or
    the partner's boundary names the activity's template code."""
    return actor == PARTNER_ACTOR or (code is not None and code in partner_codes)


def may_tick(status: str, activity_phase: int, opportunity_phase: int, result: str) -> str | None:
    """Why a partner may not tick an activity done now (None: it may): the blueprint must have
    reached the activity's phase, the opportunity must not be lost, and it must be open."""
    if status == "done":
        return "the activity is done already"
    if status == "skipped":
        return "the activity was skipped"
    if result not in OPEN_OPPORTUNITY:
        return f"the opportunity is {result.replace('_', ' ')}"
    if activity_phase > opportunity_phase:
        return (
            f"the activity belongs to phase {activity_phase}; "
            f"the opportunity is in phase {opportunity_phase}"
        )
    return None
