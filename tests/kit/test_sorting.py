"""kit.sorting: the whitelist, the links of headers and the ORDER BY with empty values last;
trust.saved_filters' rules on what a saved filter keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from servitize.core.errors import InvalidInput
from servitize.kit.sorting import Sort, Sorts, links, order_by
from servitize.trust.saved_filters import clean_path, clean_query

SORTS = Sorts(("name", "volume"), default="name")


def test_parse_accepts_the_whitelist_and_names_it_otherwise() -> None:
    assert SORTS.parse(None) == Sort("name") == SORTS.parse("  ")
    assert SORTS.parse("-volume") == Sort("volume", descending=True)
    with pytest.raises(InvalidInput, match=r"sort: 'id' .* name, volume"):
        SORTS.parse("id")
    with pytest.raises(InvalidInput):
        SORTS.parse("--name")
    with pytest.raises(ValueError):
        Sorts(("a",), default="b")


def test_header_links_toggle_and_keep_the_filters() -> None:
    shown = links("/x", {"q": "a b", "empty": "", "off": None}, Sort("volume"), SORTS)
    assert shown.href("volume") == "/x?q=a+b&sort=-volume"  # again: reversed
    assert shown.href("name") == "/x?q=a+b"  # the default is not written
    assert (shown.aria("volume"), shown.aria("name")) == ("ascending", "none")
    assert shown.export("csv") == "/x.csv?q=a+b&sort=volume"
    reversed_ = links("/x", {}, Sort("volume", descending=True), SORTS)
    assert reversed_.href("volume") == "/x?sort=volume" and reversed_.aria("volume") == "descending"
    assert links("/x", {}, Sort("name"), SORTS).export("xlsx") == "/x.xlsx"


def test_order_by_puts_empty_values_last_both_ways() -> None:
    meta = MetaData()
    t = Table(
        "t",
        meta,
        Column("id", Integer, primary_key=True),
        Column("v", Integer),
        Column("name", String),
    )
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(
            insert(t),
            [{"id": 1, "v": 2}, {"id": 2, "v": None}, {"id": 3, "v": 1}, {"id": 4, "v": 2}],
        )
        cols = {"volume": t.c.v, "name": t.c.name}
        up = c.scalars(select(t.c.id).order_by(*order_by(Sort("volume"), cols, t.c.id))).all()
        down = c.scalars(
            select(t.c.id).order_by(*order_by(Sort("volume", True), cols, t.c.id))
        ).all()
    assert up == [3, 1, 4, 2] and down == [1, 4, 3, 2]  # ties by id, the empty one last


def test_a_saved_filter_keeps_filters_and_sort_but_not_the_page() -> None:
    assert clean_query("?country=DE&page=3&sort=-name&offset=25&csrf_token=x") == (
        "country=DE&sort=-name"
    )
    assert clean_path("/sold-contracts") == "/sold-contracts"
    for bad in ("//evil.example", "https://x", "/accounts?x=1", "/a b", "accounts"):
        with pytest.raises(InvalidInput, match="list"):
            clean_path(bad)
