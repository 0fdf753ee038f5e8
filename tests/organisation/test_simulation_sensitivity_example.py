"""A worked example of the sensitivity model (Vester) on five of the seed's variables, computed
by hand and reproduced by the lab's rules and its API.

Not a published example: no textbook matrix with printed active and passive sums could be
recalled with certainty, so none is cited; every number below is worked out by hand.

Influence matrix (row → column, 0–3):

|                              | O | R | M | C | V | active sum |
| organisation and controlling | 0 | 3 | 2 | 2 | 0 | 7 |
| resources                    | 1 | 0 | 1 | 2 | 1 | 5 |
| motivation and incentives    | 0 | 1 | 0 | 2 | 2 | 5 |
| sales channels               | 0 | 0 | 1 | 0 | 3 | 4 |
| CLV                          | 1 | 2 | 0 | 0 | 0 | 3 |
| passive sum                  | 2 | 6 | 4 | 6 | 6 | 24 = 24 |

Product P = AS × PS: O 14, R 30, M 20, C 24, V 18. Quotient Q = AS / PS: O 3.5, R 5/6,
M 1.25, C 4/6, V 0.5. Mean of both sums 24 / 5 = 4.8: O (7, 2) active, R (5, 6) critical,
M (5, 4) active, C (4, 6) reactive, V (3, 6) reactive. Ranking: highest Q O (active lever),
lowest Q V (reactive), highest P R (critical), lowest P O (buffering). Median lines: active 5
(R and M on it), passive 6 (R, C and V on it): on the line counts low, so only O stays active.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from servitize.organisation.rules import check_matrix, indices, roles
from servitize.trust.service import issue_token
from tests import builders as b

NAMES = (
    "organisation and controlling",
    "resources",
    "motivation and incentives",
    "sales channels",
    "CLV",
)
CELLS = [
    ["0", "3", "2", "2", "0"],
    ["1", "0", "1", "2", "1"],
    ["0", "1", "0", "2", "2"],
    ["0", "0", "1", "0", "3"],
    ["1", "2", "0", "0", "0"],
]
SUMS = {  # active, passive, product, quotient
    "organisation and controlling": (7, 2, 14, 3.5),
    "resources": (5, 6, 30, 5 / 6),
    "motivation and incentives": (5, 4, 20, 1.25),
    "sales channels": (4, 6, 24, 4 / 6),
    "CLV": (3, 6, 18, 0.5),
}
QUADRANTS = {
    "organisation and controlling": "active",
    "resources": "critical",
    "motivation and incentives": "active",
    "sales channels": "reactive",
    "CLV": "reactive",
}


def test_the_rules_reproduce_the_hand_computed_example() -> None:
    found = indices(NAMES, check_matrix(NAMES, CELLS, 3))
    for x in found:
        active, passive, product, quotient = SUMS[x.name]
        assert (x.active, x.passive, x.product) == (active, passive, product)
        assert x.quotient == pytest.approx(quotient)
    assert sum(x.active for x in found) == sum(x.passive for x in found) == 24
    r = roles(found)
    assert r.active_line == pytest.approx(4.8) and r.passive_line == pytest.approx(4.8)
    assert r.quadrant == QUADRANTS
    assert r.ranking == {
        "active lever": ["organisation and controlling"],
        "reactive": ["CLV"],
        "critical": ["resources"],
        "buffering": ["organisation and controlling"],
    }
    m = roles(found, "median")
    assert (m.active_line, m.passive_line) == (5, 6)
    assert m.quadrant == {
        "organisation and controlling": "active",
        "resources": "buffering",
        "motivation and incentives": "buffering",
        "sales channels": "buffering",
        "CLV": "buffering",
    }


def test_the_api_shows_the_same_sums(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = b.user(session, role="sales_manager")
    auth = {"Authorization": f"Bearer {issue_token(session, head)}"}
    r = app_client.post(
        "/api/v1/network-models",
        json={"name": "worked example", "variables": list(NAMES), "matrix": CELLS},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    rows = {x["variable"]: x for x in r.json()["indices"]}
    for name, (active, passive, product, quotient) in SUMS.items():
        x = rows[name]
        assert (x["active"], x["passive"], x["product"]) == (active, passive, product)
        assert x["quotient"] == pytest.approx(quotient, abs=5e-5)  # four decimals
        assert x["quadrant"] == QUADRANTS[name]
