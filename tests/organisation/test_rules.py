"""The lab's rules on hand-made matrices: indices, roles, loops, refusals, consensus, versions.

Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servitize.core.errors import InvalidInput
from servitize.organisation.rules import (
    DEFAULT_VARIABLES,
    Cell,
    check_matrix,
    check_variables,
    compare,
    disagreements,
    elementary_cycles,
    indices,
    loops,
    proposed_consensus,
    roles,
)

ABC = ("A", "B", "C")
# A → B 3, A → C 1, B → C 2, C → A -1 (slow), B → A 0, C → B 0
SMALL = [["0", "3", "1"], ["0", "0", "2"], ["-1s", "0", "0"]]


def test_three_by_three_indices_by_hand() -> None:
    m = check_matrix(ABC, SMALL, 3)
    found = {x.name: x for x in indices(ABC, m)}
    # active = row sums: A 0+3+1 = 4, B 0+0+2 = 2, C 1+0+0 = 1 (|-1|: signs do not count)
    # passive = column sums: A 0+0+1 = 1, B 3+0+0 = 3, C 1+2+0 = 3
    assert [(x.active, x.passive) for x in found.values()] == [(4, 1), (2, 3), (1, 3)]
    # product A 4, B 6, C 3; quotient A 4/1 = 4, B 2/3, C 1/3
    assert [x.product for x in found.values()] == [4, 6, 3]
    assert found["A"].quotient == 4.0
    assert found["B"].quotient == pytest.approx(2 / 3)
    assert found["C"].quotient == pytest.approx(1 / 3)
    # mean active (4+2+1)/3 = 7/3, mean passive (1+3+3)/3 = 7/3
    r = roles(list(found.values()))
    assert r.active_line == pytest.approx(7 / 3) and r.passive_line == pytest.approx(7 / 3)
    # A: 4 > 7/3, 1 < 7/3 → active; B: 2 < 7/3, 3 > 7/3 → reactive; C: 1, 3 → reactive
    assert r.quadrant == {"A": "active", "B": "reactive", "C": "reactive"}
    assert r.on_line == []
    # highest quotient A, lowest C; highest product B, lowest C
    assert r.ranking == {
        "active lever": ["A"],
        "reactive": ["C"],
        "critical": ["B"],
        "buffering": ["C"],
    }


def test_median_and_a_number_with_ties_on_the_line() -> None:
    found = indices(ABC, check_matrix(ABC, SMALL, 3))
    r = roles(found, "median")
    # median active of 4, 2, 1 is 2 (B on it), median passive of 1, 3, 3 is 3 (B, C on it)
    assert (r.active_line, r.passive_line) == (2, 3)
    # on the line counts as low: B (2, 3) → buffering; C (1, 3) → buffering; A (4, 1) active
    assert r.quadrant == {"A": "active", "B": "buffering", "C": "buffering"}
    assert r.on_line == ["B", "C"]
    r = roles(found, "number", 1.5)
    # A 4 > 1.5, 1 ≤ 1.5 → active; B 2 > 1.5, 3 > 1.5 → critical; C 1 ≤, 3 > → reactive
    assert r.quadrant == {"A": "active", "B": "critical", "C": "reactive"}
    with pytest.raises(InvalidInput, match="line"):
        roles(found, "number", None)


def test_ties_in_the_ranking_name_them_all_and_zero_passive_counts_highest() -> None:
    # A → B 2, A → C 2, B → C 1, C → B 1: A passive 0 (quotient undefined: highest)
    m = check_matrix(ABC, [["0", "2", "2"], ["0", "0", "1"], ["0", "1", "0"]], 3)
    found = indices(ABC, m)
    # A (4, 0) product 0; B (1, 3) product 3; C (1, 3) product 3
    assert found[0].quotient is None
    r = roles(found)
    assert r.ranking["active lever"] == ["A"]
    assert r.ranking["reactive"] == ["B", "C"]  # both 1/3
    assert r.ranking["critical"] == ["B", "C"]
    assert r.ranking["buffering"] == ["A"]


def _eleven() -> list[list[str]]:
    """A hand-made 11×11: variable i acts on i+1 with score (i mod 3) + 1, on i+2 with 1,
    and CAC (the last) acts on the first with -2 slow."""
    n = 11
    rows = [["0"] * n for _ in range(n)]
    for i in range(n - 1):
        rows[i][i + 1] = str(i % 3 + 1)
        if i + 2 < n:
            rows[i][i + 2] = "1"
    rows[10][0] = "-2s"
    return rows


def test_the_default_eleven_with_a_hand_made_matrix() -> None:
    names = check_variables(DEFAULT_VARIABLES)
    assert len(names) == 11 and names[-2:] == ("CLV", "CAC")
    m = check_matrix(names, _eleven(), 3)
    found = indices(names, m)
    # active: i+1 score (i%3)+1 plus 1 for i+2 (i ≤ 8): 0: 1+1=2, 1: 2+1=3, 2: 3+1=4, 3: 2,
    # 4: 3, 5: 4, 6: 2, 7: 3, 8: 4, 9: (9%3)+1 = 1 only, 10: |-2| = 2
    assert [x.active for x in found] == [2, 3, 4, 2, 3, 4, 2, 3, 4, 1, 2]
    # passive of j: from j-1 ((j-1)%3)+1 and from j-2 1; j=0: 2 (from CAC), j=1: 1 (from 0),
    # j=2: 2+1=3, 3: 3+1=4, 4: 1+1=2, 5: 2+1=3, 6: 3+1=4, 7: 2, 8: 3, 9: 4, 10: 1+1=2
    assert [x.passive for x in found] == [2, 1, 3, 4, 2, 3, 4, 2, 3, 4, 2]
    # both sum to the sum of the cells: 30 (1+2+3)*3 + 1 = 19 on i→i+1, 9 ones on i→i+2, 2
    assert sum(x.active for x in found) == sum(x.passive for x in found) == 19 + 9 + 2 == 30
    # mean line 30/11 ≈ 2.73: resources (3, 1) active; motivation (4, 3) critical;
    # organisation (2, 2) buffering; CLV (1, 4) reactive
    r = roles(found)
    assert r.quadrant["resources"] == "active"
    assert r.quadrant["motivation and incentives"] == "critical"
    assert r.quadrant["organisation and controlling"] == "buffering"
    assert r.quadrant["CLV"] == "reactive"
    # quotients: resources 3/1 = 3 highest, CLV 1/4 lowest. Products: 0: 2×2 = 4, 1: 3×1 = 3,
    # 2: 4×3 = 12, 3: 2×4 = 8, 4: 3×2 = 6, 5 (segmentation): 4×3 = 12, 6: 2×4 = 8, 7: 3×2 = 6,
    # 8 (buying process): 4×3 = 12, 9: 1×4 = 4, 10: 2×2 = 4 → highest 12 (2, 5, 8), lowest 3
    assert r.ranking["active lever"] == ["resources"]
    assert r.ranking["reactive"] == ["CLV"]
    assert r.ranking["critical"] == [
        "motivation and incentives",
        "market segmentation",
        "buying process",
    ]
    assert r.ranking["buffering"] == ["resources"]


def test_cycles_of_a_small_signed_graph_listed_by_hand() -> None:
    # 0 → 1 (+2), 1 → 0 (-1), 1 → 2 (+3 slow), 2 → 0 (+1), 2 → 3 (-2), 3 → 2 (-1), 3 → 0 (+1)
    rows = [
        ["0", "2", "0", "0"],
        ["-1", "0", "3s", "0"],
        ["1", "0", "0", "-2"],
        ["1", "0", "-1", "0"],
    ]
    m = check_matrix("ABCD", rows, 3)
    found = loops(m)
    assert found.complete
    by_nodes = {x.nodes: x for x in found.loops}
    # the elementary cycles: A B A; A B C A; A B C D A; C D C — and nothing else
    assert set(by_nodes) == {(0, 1), (0, 1, 2), (0, 1, 2, 3), (2, 3)}
    # A B A: 2 × 1 = 2, one negative → balancing, fast
    assert (by_nodes[(0, 1)].strength, by_nodes[(0, 1)].polarity) == (2, "balancing")
    assert by_nodes[(0, 1)].speed == "fast"
    # A B C A: 2 × 3 × 1 = 6, no negative → reinforcing, slow (B → C is slow)
    assert by_nodes[(0, 1, 2)].strength == 6
    assert (by_nodes[(0, 1, 2)].polarity, by_nodes[(0, 1, 2)].speed) == ("reinforcing", "slow")
    # A B C D A: 2 × 3 × 2 × 1 = 12, one negative (C → D) → balancing, slow
    assert (by_nodes[(0, 1, 2, 3)].strength, by_nodes[(0, 1, 2, 3)].polarity) == (12, "balancing")
    # C D C: 2 × 1 = 2, two negatives → reinforcing, fast
    assert (by_nodes[(2, 3)].polarity, by_nodes[(2, 3)].speed) == ("reinforcing", "fast")
    # ranked: 12, 6, then the two of strength 2 by length then order: (0, 1) before (2, 3)
    assert [x.nodes for x in found.loops] == [(0, 1, 2, 3), (0, 1, 2), (0, 1), (2, 3)]
    # links scored 2 or more only: A → B, B → C, C → D: no cycle is left... except none
    assert loops(m, min_score=2).loops == []


def _brute_force_cycles(successors: list[list[int]]) -> set[tuple[int, ...]]:
    """Every simple cycle by trying every path from its lowest node (a second method)."""
    found: set[tuple[int, ...]] = set()

    def walk(path: list[int]) -> None:
        for w in successors[path[-1]]:
            if w == path[0]:
                found.add(tuple(path))
            elif w > path[0] and w not in path:
                walk([*path, w])

    for start in range(len(successors)):
        walk([start])
    return found


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda n: st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=n, max_size=n)
    )
)
def test_johnson_finds_what_brute_force_finds(adjacency: list[list[bool]]) -> None:
    n = len(adjacency)
    successors = [[j for j in range(n) if adjacency[i][j] and i != j] for i in range(n)]
    cycles, complete = elementary_cycles(successors, 10**6)
    assert complete
    assert len(cycles) == len({tuple(c) for c in cycles})
    assert {tuple(c) for c in cycles} == _brute_force_cycles(successors)


def test_the_complete_graph_on_five_has_84_cycles_and_the_limit_stops_the_search() -> None:
    # sum over k = 2..5 of C(5, k)·(k-1)! = 10·1 + 10·2 + 5·6 + 1·24 = 84
    successors = [[j for j in range(5) if j != i] for i in range(5)]
    assert len(elementary_cycles(successors, 1000)[0]) == 84
    cycles, complete = elementary_cycles(successors, 20)
    assert len(cycles) == 20 and not complete


cells = st.tuples(st.integers(0, 3), st.sampled_from("+-"), st.booleans()).map(
    lambda t: f"{'-' if t[1] == '-' else ''}{t[0]}{'s' if t[2] else ''}" if t[0] else "0"
)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.lists(st.lists(cells, min_size=n, max_size=n), min_size=n, max_size=n)
    )
)
def test_active_passive_and_cells_sum_to_the_same(rows: list[list[str]]) -> None:
    n = len(rows)
    for i in range(n):
        rows[i][i] = "0"
    names = [f"v{k}" for k in range(n)]
    m = check_matrix(names, rows, 3)
    found = indices(names, m)
    total = sum(abs(int(c.rstrip("s"))) for row in rows for c in row)
    assert sum(x.active for x in found) == sum(x.passive for x in found) == total


def test_a_bad_matrix_is_refused_whole_with_every_cell_named() -> None:
    rows = [["1", "4", ""], ["1.5", "0", "x"], [None, "-2", "0"]]
    with pytest.raises(InvalidInput) as refused:
        check_matrix(ABC, rows, 3)
    text = refused.value.message
    assert "6 cell(s) refused" in text
    for part in (
        "A → A: 1 on the diagonal",
        "A → B: 4 is outside the scale 0–3",
        "A → C: missing",
        "B → A: 1.5 is not a whole number",
        "B → C: 'x' is not a score",
        "C → A: missing",
    ):
        assert part in text, part
    with pytest.raises(InvalidInput, match="2 rows for 3 variables"):
        check_matrix(ABC, rows[:2], 3)
    with pytest.raises(InvalidInput, match="not a whole number"):
        check_matrix(ABC, [[0, 2.5, 0], [0, 0, 0], [0, 0, 0]], 3)
    # the 0–2 school: 3 is outside its scale
    with pytest.raises(InvalidInput, match="outside the scale 0–2"):
        check_matrix(ABC, [["0", "3", "0"], ["0", "0", "0"], ["0", "0", "0"]], 2)
    with pytest.raises(InvalidInput, match="named twice"):
        check_variables(["a", "A"])


def test_disagreement_consensus_and_comparison() -> None:
    ann = check_matrix(ABC, [["0", "3", "0"], ["1", "0", "0"], ["0", "2s", "0"]], 3)
    bob = check_matrix(ABC, [["0", "1", "0"], ["-1", "0", "0"], ["0", "2", "0"]], 3)
    eve = check_matrix(ABC, [["0", "2", "0"], ["1", "0", "0"], ["0", "2s", "0"]], 3)
    found = disagreements([ann, bob, eve])
    # A → B: 3, 1, 2: spread 3 - 1 = 2; B → A: 1, -1, 1: spread 2, signs differ;
    # C → B: 2s, 2, 2s: spread 0, speeds differ
    assert [(d.row, d.column, d.spread, d.signs_differ, d.speeds_differ) for d in found] == [
        (0, 1, 2, False, False),
        (1, 0, 2, True, False),
        (2, 1, 0, False, True),
    ]
    proposed = proposed_consensus([ann, bob, eve])
    # medians: A → B 2, B → A median(1, -1, 1) = 1, C → B 2 slow (2 of 3 wrote slow)
    assert proposed[0][1] == Cell(2) and proposed[1][0] == Cell(1)
    assert proposed[2][1] == Cell(2, "+", "slow")
    # two scorers 1 and 2: median 1.5 rounds away from zero to 2
    assert proposed_consensus([bob, ann])[0][1] == Cell(2)
    changes = compare(ABC, ann, bob)
    assert [(c.row, c.column, c.before, c.after) for c in changes] == [
        ("A", "B", "3", "1"),
        ("B", "A", "1", "-1"),
        ("C", "B", "2s", "2"),
    ]
