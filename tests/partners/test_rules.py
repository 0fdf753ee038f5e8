"""The pure rules, by hand: names, shares, win/loss, appearances, the blueprint's partner."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servitize.core.errors import InvalidInput
from servitize.partners import rules
from servitize.partners.rules import Named, Share


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kessler GmbH", "kessler"),
        ("  KESSLER   gmbh. ", "kessler"),
        ("Brenner & Sohn KG", "brenner & sohn"),
        ("Fluxon Automation AG", "fluxon automation"),
        ("Meridia Process S.p.A.", "meridia process"),
        ("Acme Co. Ltd", "acme"),
        ("Agco", "agco"),  # "co" inside a word is no legal form
    ],
)
def test_normalised(name: str, expected: str) -> None:
    assert rules.normalised(name) == expected


@given(st.text(max_size=40))
def test_normalised_is_stable(name: str) -> None:
    once = rules.normalised(name)
    assert rules.normalised(once) == once


def test_matching_names_and_aliases() -> None:
    index = rules.name_index(
        [Named(2, "Norder Tech", []), Named(1, "Kessler", ["Kessler Maschinenbau", "KMB"])]
    )
    assert rules.match(index, "kessler maschinenbau gmbh") == 1
    assert rules.match(index, None, "KMB") == 1  # no competitor text: the manufacturer
    assert rules.match(index, "Unknown", "Norder Tech AG") == 2
    assert rules.match(index, "", "  ") is None
    assert rules.alias_clash(index, 2, ["kmb"]) == "kmb"
    assert rules.alias_clash(index, 1, ["KMB", "Kessler"]) is None
    assert rules.clean_aliases("Kessler", ["Kessler GmbH", " KMB ", "kmb", ""]) == ["KMB"]
    with pytest.raises(InvalidInput, match="aliases"):
        rules.clean_aliases("X", [f"alias {i}" for i in range(31)])


def test_share_and_win_loss() -> None:
    assert Share(4, 15).share == pytest.approx(0.26667, abs=1e-5)
    assert Share(4, 15).percent == "26.7 %"
    assert Share(0, 0).share == 0.0
    wl = rules.win_loss(["won", "lost", "lost", "open", "no_bid"])
    assert (wl.won, wl.lost, wl.rate) == (1, 2, pytest.approx(1 / 3))
    assert rules.win_loss([]).rate is None


def test_appearances_are_the_pairs_not_known_before() -> None:
    known = {(1, 10), (2, 10)}
    present = {(1, 10): "machines", (1, 11): "action", (3, 10): "records"}
    assert rules.appearances(known, present) == [(1, 11, "action"), (3, 10, "records")]


def test_the_blueprint_decides_what_a_partner_does() -> None:
    assert rules.assignable("partner", "training", [])
    assert rules.assignable("sales", "regular_visits", ["regular_visits"])
    assert not rules.assignable("sales", "pipeline_review", ["regular_visits"])
    assert not rules.assignable("sales", None, ["regular_visits"])
    assert rules.may_tick("open", 2, 2, "open") is None
    assert rules.may_tick("open", 1, 5, "won") is None
    assert "phase 3" in (rules.may_tick("open", 3, 2, "open") or "")
    assert "lost" in (rules.may_tick("open", 1, 2, "lost") or "")
    assert "done already" in (rules.may_tick("done", 1, 2, "open") or "")
    assert "skipped" in (rules.may_tick("skipped", 1, 2, "open") or "")
