"""The network-thinking lab's rules (Vester's sensitivity model), pure: no I/O, no database.

A model is a list of variables and an influence matrix: the cell in row *i*, column *j* is the
direct effect of variable *i* on variable *j*, scored 0 up to the scale's maximum (3 by default;
some schools use 2), with its sign (``+``: more of *i* gives more of *j*; ``-``: less) and its
speed (fast, or ``s``: slow) kept beside the score. A cell is written as text everywhere (page,
CSV, XLSX, API, command): ``3``, ``+2``, ``-1``, ``2s``, ``-3s``; ``0`` is no effect.

From the matrix: per variable the active sum (its row), the passive sum (its column), their
product (criticality) and their quotient; the roles (quadrant rule and classic ranking), and the
feedback loops of the signed graph (see ``loops``).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from servitize.core.errors import InvalidInput

# The seed's eleven variables of a sales organisation for Smart product-service systems.
DEFAULT_VARIABLES: tuple[str, ...] = (
    "organisation and controlling",
    "resources",
    "motivation and incentives",
    "sales channels",
    "value proposition",
    "market segmentation",
    "pricing",
    "type of customer",
    "buying process",
    "CLV",
    "CAC",
)
DEFAULT_SCALE_MAX = 3
MAX_SCALE = 9
MIN_VARIABLES, MAX_VARIABLES = 2, 30
MAX_NAME = 80

Sign = Literal["+", "-"]
Speed = Literal["fast", "slow"]
_CELL = re.compile(r"^([+-]?)(\d+)([sSfF]?)$")


@dataclass(frozen=True)
class Cell:
    """One direct effect: score 0..max, its sign and its speed."""

    score: int
    sign: Sign = "+"
    speed: Speed = "fast"

    @property
    def text(self) -> str:
        """The cell as written: ``0``, ``2``, ``-3``, ``1s``, ``-2s``."""
        if self.score == 0:
            return "0"
        return f"{'-' if self.sign == '-' else ''}{self.score}{'s' if self.speed == 'slow' else ''}"

    @property
    def signed(self) -> int:
        """The score with its sign: -3..3."""
        return -self.score if self.sign == "-" else self.score


NO_EFFECT = Cell(0)
Matrix = tuple[tuple[Cell, ...], ...]


def check_variables(names: Sequence[str]) -> tuple[str, ...]:
    """The variables' names, trimmed; refused (naming the problem) if empty, too long, repeated,
    or too few or too many."""
    cleaned = tuple(n.strip() for n in names)
    problems = []
    if not MIN_VARIABLES <= len(cleaned) <= MAX_VARIABLES:
        problems.append(f"give {MIN_VARIABLES} to {MAX_VARIABLES} variables, not {len(cleaned)}")
    for k, name in enumerate(cleaned, 1):
        if not name:
            problems.append(f"variable {k} has no name")
        elif len(name) > MAX_NAME:
            problems.append(f"variable {k} is longer than {MAX_NAME} characters")
    seen = [n.casefold() for n in cleaned]
    doubles = sorted({n for n in cleaned if n and seen.count(n.casefold()) > 1})
    if doubles:
        problems.append(f"named twice: {', '.join(doubles)}")
    if problems:
        raise InvalidInput("variables: " + "; ".join(problems))
    return cleaned


def check_scale(scale_max: int) -> int:
    """The scale's maximum: a whole number from 1 to 9."""
    if not 1 <= scale_max <= MAX_SCALE:
        raise InvalidInput(f"scale_max: give a whole number from 1 to {MAX_SCALE}, not {scale_max}")
    return scale_max


def _parse(raw: object, scale_max: int) -> Cell | str:
    """A cell from what was sent, or why it is refused."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "missing (an empty cell is not read as 0: write 0)"
    if isinstance(raw, bool):
        return f"{raw!r} is not a score"
    if isinstance(raw, float):
        if not raw.is_integer():
            return f"{raw:g} is not a whole number"
        raw = int(raw)
    text = str(raw).strip()
    match = _CELL.match(text)
    if not match:
        try:
            float(text.replace(",", "."))
        except ValueError:
            return f"{text!r} is not a score (write e.g. 2, -1 or 3s)"
        return f"{text} is not a whole number"
    sign, digits, speed = match.groups()
    score = int(digits)
    if score > scale_max:
        return f"{score} is outside the scale 0–{scale_max}"
    return Cell(score, "-" if sign == "-" else "+", "slow" if speed.lower() == "s" else "fast")


def check_matrix(
    variables: Sequence[str], rows: Sequence[Sequence[object]], scale_max: int
) -> Matrix:
    """The matrix, or InvalidInput listing every offending cell by row and column name: a score
    outside the scale, not whole, missing, or not 0 on the diagonal. A bad matrix is refused
    whole; nothing of it is kept."""
    n = len(variables)
    problems: list[str] = []
    if len(rows) != n:
        problems.append(f"{len(rows)} rows for {n} variables")
    out: list[tuple[Cell, ...]] = []
    for i, name in enumerate(variables):
        row = rows[i] if i < len(rows) else []
        if len(row) > n:
            problems.append(f"row {name!r}: {len(row)} cells for {n} variables")
        cells: list[Cell] = []
        for j, other in enumerate(variables):
            parsed = _parse(row[j] if j < len(row) else None, scale_max)
            if isinstance(parsed, Cell) and i == j and parsed.score:
                parsed = f"{parsed.text} on the diagonal (a variable's effect on itself is 0)"
            if isinstance(parsed, str):
                problems.append(f"{name} → {other}: {parsed}")
                cells.append(NO_EFFECT)
            else:
                cells.append(parsed)
        out.append(tuple(cells))
    if problems:
        raise InvalidInput(
            f"matrix: {len(problems)} cell(s) refused, nothing kept: " + "; ".join(problems)
        )
    return tuple(out)


def empty_matrix(n: int) -> Matrix:
    """An n×n matrix of zeros."""
    return tuple(tuple(NO_EFFECT for _ in range(n)) for _ in range(n))


def as_text(matrix: Matrix) -> list[list[str]]:
    """The matrix as the cells are written (what is stored and exported)."""
    return [[c.text for c in row] for row in matrix]


# ---- indices and roles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    """One variable's sums: active (its row), passive (its column), product and quotient
    (active / passive; None when the passive sum is 0)."""

    name: str
    active: int
    passive: int

    @property
    def product(self) -> int:
        return self.active * self.passive

    @property
    def quotient(self) -> float | None:
        return None if self.passive == 0 else self.active / self.passive


def indices(variables: Sequence[str], matrix: Matrix) -> list[Index]:
    """Active and passive sums of the scores (signs ignored: the intensity of the effect)."""
    n = len(variables)
    return [
        Index(
            variables[k],
            sum(matrix[k][j].score for j in range(n)),
            sum(matrix[i][k].score for i in range(n)),
        )
        for k in range(n)
    ]


Threshold = Literal["mean", "median", "number"]
QUADRANTS = {
    (True, False): "active",
    (False, True): "reactive",
    (True, True): "critical",
    (False, False): "buffering",
}


@dataclass(frozen=True)
class Roles:
    """Roles by the quadrant rule (against a line on each axis) and by the classic ranking."""

    rule: str
    active_line: float
    passive_line: float
    quadrant: dict[str, str]
    on_line: list[str]
    ranking: dict[str, list[str]]


def _line(values: list[int], threshold: Threshold, number: float | None) -> float:
    if threshold == "number":
        if number is None:
            raise InvalidInput("line: give the number the sums are compared with")
        return number
    if threshold == "median":
        return float(statistics.median(values))
    return sum(values) / len(values)


def roles(found: list[Index], threshold: Threshold = "mean", number: float | None = None) -> Roles:
    """The quadrant of each variable: a sum above the line is high; a sum exactly on the line
    counts as low (those variables are listed in ``on_line``). The classic ranking: the highest
    quotient is the active lever (a passive sum of 0 counts as the highest quotient), the lowest
    the reactive one, the highest product critical, the lowest buffering; ties name them all."""
    actives = [x.active for x in found]
    passives = [x.passive for x in found]
    a_line = _line(actives, threshold, number)
    p_line = _line(passives, threshold, number)
    quadrant = {x.name: QUADRANTS[(x.active > a_line, x.passive > p_line)] for x in found}
    on_line = [x.name for x in found if x.active == a_line or x.passive == p_line]
    big = float("inf")
    quotients = [big if x.quotient is None else x.quotient for x in found]
    products = [x.product for x in found]
    ranking = {
        "active lever": [
            x.name for x, q in zip(found, quotients, strict=True) if q == max(quotients)
        ],
        "reactive": [x.name for x, q in zip(found, quotients, strict=True) if q == min(quotients)],
        "critical": [x.name for x, p in zip(found, products, strict=True) if p == max(products)],
        "buffering": [x.name for x, p in zip(found, products, strict=True) if p == min(products)],
    }
    if threshold == "number":
        rule = f"the number {a_line:g}"
    else:
        rule = f"the {threshold}"
    return Roles(rule, a_line, p_line, quadrant, on_line, ranking)


# ---- feedback loops ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Loop:
    """A feedback loop: the variables in order (back to the first), its polarity, speed and
    strength (the product of its links' scores)."""

    nodes: tuple[int, ...]
    polarity: Literal["reinforcing", "balancing"]
    speed: Speed
    strength: int


@dataclass(frozen=True)
class Loops:
    """The loops found, strongest first; ``complete`` False when the search stopped at the
    limit (then those listed are the first found, not necessarily the strongest)."""

    loops: list[Loop]
    complete: bool
    limit: int


def elementary_cycles(
    successors: Sequence[Sequence[int]], limit: int
) -> tuple[list[list[int]], bool]:
    """Every elementary cycle of a directed graph (Johnson, 1975), each starting at its lowest
    node; stops after ``limit`` cycles (the bool says whether the search was complete)."""
    cycles: list[list[int]] = []
    for start in range(len(successors)):
        # The strongly connected component holding ``start`` in the graph of nodes >= start.
        component = _component(successors, start)
        if len(component) > 1:
            _Circuits(successors, start, component, cycles, limit).circuit(start)
        if len(cycles) >= limit:
            return cycles[:limit], False
    return cycles, True


class _Circuits:
    """Johnson's search for the cycles through ``start`` within its component."""

    def __init__(
        self,
        successors: Sequence[Sequence[int]],
        start: int,
        component: set[int],
        cycles: list[list[int]],
        limit: int,
    ) -> None:
        self.successors = successors
        self.start = start
        self.component = component
        self.cycles = cycles
        self.limit = limit
        self.blocked: set[int] = set()
        self.blocked_by: dict[int, set[int]] = {v: set() for v in component}
        self.path = [start]

    def unblock(self, v: int) -> None:
        stack = [v]
        while stack:
            u = stack.pop()
            if u in self.blocked:
                self.blocked.discard(u)
                stack.extend(self.blocked_by[u])
                self.blocked_by[u].clear()

    def circuit(self, v: int) -> bool:
        found = False
        self.blocked.add(v)
        nexts = [w for w in self.successors[v] if w in self.component]
        for w in nexts:
            if len(self.cycles) >= self.limit:
                return True
            if w == self.start:
                self.cycles.append(list(self.path))
                found = True
            elif w not in self.blocked:
                self.path.append(w)
                if self.circuit(w):
                    found = True
                self.path.pop()
        if found:
            self.unblock(v)
        else:
            for w in nexts:
                self.blocked_by[w].add(v)
        return found


def _component(successors: Sequence[Sequence[int]], start: int) -> set[int]:
    """Nodes >= start reachable from ``start`` and reaching it back (its strong component)."""

    def reach(edges: dict[int, list[int]]) -> set[int]:
        seen, stack = {start}, [start]
        while stack:
            for w in edges.get(stack.pop(), []):
                if w >= start and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return seen

    forward = {v: list(ws) for v, ws in enumerate(successors)}
    backward: dict[int, list[int]] = {}
    for v, ws in enumerate(successors):
        for w in ws:
            backward.setdefault(w, []).append(v)
    return reach(forward) & reach(backward)


def loops(matrix: Matrix, min_score: int = 1, limit: int = 5000) -> Loops:
    """The feedback loops of the signed graph (links: cells scored ``min_score`` or more).

    Polarity: reinforcing with an even number of negative links, balancing with an odd number.
    Speed: slow when any link is slow. Strength: the product of the links' scores. Ranked by
    strength (highest first), then by length (shortest first), then by the variables' order."""
    n = len(matrix)
    successors = [
        [j for j in range(n) if j != i and matrix[i][j].score >= min_score] for i in range(n)
    ]
    cycles, complete = elementary_cycles(successors, limit)
    found = []
    for cycle in cycles:
        links = [matrix[a][b] for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)]
        negatives = sum(1 for c in links if c.sign == "-")
        strength = 1
        for c in links:
            strength *= c.score
        found.append(
            Loop(
                tuple(cycle),
                "reinforcing" if negatives % 2 == 0 else "balancing",
                "slow" if any(c.speed == "slow" for c in links) else "fast",
                strength,
            )
        )
    found.sort(key=lambda x: (-x.strength, len(x.nodes), x.nodes))
    return Loops(found, complete, limit)


# ---- several scorers, consensus, versions -----------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """How the scorers differ on one cell: the spread of their signed scores (highest minus
    lowest), whether signs or speeds differ, and the cells they wrote."""

    row: int
    column: int
    spread: int
    signs_differ: bool
    speeds_differ: bool
    written: tuple[str, ...]


def disagreements(matrices: Sequence[Matrix]) -> list[Disagreement]:
    """The cells where the scorers do not all write the same, widest spread first."""
    if len(matrices) < 2:
        return []
    n = len(matrices[0])
    out = []
    for i in range(n):
        for j in range(n):
            cells = [m[i][j] for m in matrices]
            if len({c.text for c in cells}) == 1:
                continue
            scored = [c for c in cells if c.score]
            out.append(
                Disagreement(
                    i,
                    j,
                    max(c.signed for c in cells) - min(c.signed for c in cells),
                    len({c.sign for c in scored}) > 1,
                    len({c.speed for c in scored}) > 1,
                    tuple(c.text for c in cells),
                )
            )
    out.sort(key=lambda d: (-d.spread, d.row, d.column))
    return out


def proposed_consensus(matrices: Sequence[Matrix]) -> Matrix:
    """A starting point for the consensus: per cell the median of the signed scores, halves
    rounded away from zero (the stronger effect is kept for discussion); slow if half or more
    of those who scored the cell wrote slow."""
    n = len(matrices[0])
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            cells = [m[i][j] for m in matrices]
            middle = statistics.median(c.signed for c in cells)
            score = int(abs(middle) + 0.5)
            scored = [c for c in cells if c.score]
            slow = sum(1 for c in scored if c.speed == "slow") * 2 >= len(scored) > 0
            row.append(
                NO_EFFECT
                if score == 0
                else Cell(score, "-" if middle < 0 else "+", "slow" if slow else "fast")
            )
        rows.append(tuple(row))
    return tuple(rows)


@dataclass(frozen=True)
class CellChange:
    """A cell that differs between two versions."""

    row: str
    column: str
    before: str
    after: str


def compare(variables: Sequence[str], before: Matrix, after: Matrix) -> list[CellChange]:
    """The cells changed from one version to the other, row by row."""
    n = len(variables)
    return [
        CellChange(variables[i], variables[j], before[i][j].text, after[i][j].text)
        for i in range(n)
        for j in range(n)
        if before[i][j] != after[i][j]
    ]
