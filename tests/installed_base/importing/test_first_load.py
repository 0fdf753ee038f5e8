"""A first load into an empty table: one transaction, indexes and foreign keys built at the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from servitize.core.db import make_engine
from servitize.installed_base.importing import loading
from servitize.installed_base.models import Asset
from tests.conftest import BACKENDS, migrated_database
from tests.installed_base.importing.helpers import base, prefix, rejects, run, write

HEADER = "external_id,account,site,parent,serial,model,origin,install_date,connectivity\n"


@pytest.fixture(params=BACKENDS)
def empty(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database whose asset table is empty."""
    with migrated_database(
        request.param, f"first{request.node.name[-12:-1]}", tmp_path_factory
    ) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _shape(
    engine: Engine,
) -> tuple[set[tuple[str, tuple[str, ...]]], set[str], dict[str, str | None]]:
    """The asset table's indexes (name, columns), foreign-key names and column defaults, as the
    database has them."""
    found = inspect(engine)
    indexes = {(i["name"], tuple(i["column_names"])) for i in found.get_indexes("asset")}
    keys = {k["name"] or "" for k in found.get_foreign_keys("asset")}
    defaults = {c["name"]: c.get("default") for c in found.get_columns("asset")}
    return indexes, keys, defaults


def _assets(engine: Engine) -> dict[str, tuple[str | None, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Asset.external_id, Asset.model, Asset.parent_id)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _file(folder: Path, p: str, n: int) -> Path:
    """``n`` machines of p-A1; each even one a line the next one belongs to; M2's date is bad."""
    lines = []
    for i in range(n):
        parent = "" if i % 2 == 0 else f"{p}-M{i - 1}"
        day = "2020-02-30" if i == 2 else "2018-01-01"
        lines.append(f"{p}-M{i},{p}-A1,{p}-S1,{parent},SN{i},PX-{i},own,{day},none\n")
    return write(folder / "assets.csv", HEADER + "".join(lines))


def test_a_first_load_lands_every_good_row_and_puts_indexes_and_keys_back(
    empty: Engine, tmp_path: Path
):
    p = prefix()
    base(empty, tmp_path, p)
    before = _shape(empty)
    result = run(empty, "assets", _file(tmp_path, p, 7), chunk_rows=2)
    assert (result.read, result.inserted, result.rejected) == (7, 5, 2)
    reasons = {r["external_id"]: r["reason"] for r in rejects(result)}
    assert set(reasons) == {f"{p}-M2", f"{p}-M3"}  # a bad date, and the machine on that line
    assert "install_date" in reasons[f"{p}-M2"]
    assert "parent" in reasons[f"{p}-M3"]
    assert _shape(empty) == before
    stored = _assets(empty)
    with empty.connect() as conn:
        ids = dict(conn.execute(select(Asset.external_id, Asset.id)).all())
    assert stored[f"{p}-M1"][1] == ids[f"{p}-M0"]  # the child points at its line


def test_a_crash_in_a_first_load_leaves_the_table_empty_and_whole(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    p = prefix()
    base(empty, tmp_path, p)
    before = _shape(empty)
    path = _file(tmp_path, p, 6)
    land = loading.Loader.land
    calls = []

    def crash_on_second_chunk(self, conn, rows, *waiting):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return land(self, conn, rows, *waiting)

    monkeypatch.setattr(loading.Loader, "land", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        run(empty, "assets", path, chunk_rows=2)
    assert _assets(empty) == {}  # nothing was reported landed, nothing is there
    assert _shape(empty) == before

    monkeypatch.setattr(loading.Loader, "land", land)
    result = run(empty, "assets", path, chunk_rows=2)
    assert result.inserted == len(_assets(empty)) == result.landed
    assert result.read == result.landed + result.rejected == 6


def test_a_key_twice_in_a_file_is_rejected_wherever_the_chunks_split_it(
    empty: Engine, tmp_path: Path
):
    """First load or not: the repeat is rejected with the line of the first, the first lands."""
    p = prefix()
    base(empty, tmp_path, p)
    rows = (
        f"{p}-X,{p}-A1,,,SN1,old,own,2018-01-01,none\n"
        f"{p}-Y,{p}-A1,,,SN2,y,own,2018-01-01,none\n"
        f"{p}-X,{p}-A1,,,SN1,new,own,2018-01-01,none\n"
    )
    path = write(tmp_path / "assets.csv", HEADER + rows)
    first = run(empty, "assets", path, chunk_rows=2)  # into the empty table
    assert (first.inserted, first.updated, first.rejected) == (2, 0, 1)
    assert [(r["line"], r["reason"]) for r in rejects(first)] == [
        ("4", f"external_id '{p}-X' appears again (first at line 2)")
    ]
    assert _assets(empty)[f"{p}-X"][0] == "old"
    again = run(empty, "assets", path, chunk_rows=2)  # the table has rows now
    assert (again.unchanged, again.updated, again.rejected) == (2, 0, 1)
    assert rejects(again) == rejects(first)
    with empty.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Asset)).scalar() == 2


def test_a_first_load_stamps_every_row_with_its_time_and_leaves_no_default_behind(
    empty: Engine, tmp_path: Path
):
    """PostgreSQL's first load lets the table fill the stamps and version (its defaults for the
    load); every row has the load's time, and the table's own defaults are back after it."""
    p = prefix()
    base(empty, tmp_path, p)
    before = _shape(empty)
    started = datetime.now(UTC)
    result = run(empty, "assets", _file(tmp_path, p, 5), chunk_rows=2)
    ended = datetime.now(UTC)
    assert result.inserted == 3  # M2's date is bad, M3 is the machine on its line
    assert _shape(empty) == before
    with empty.connect() as conn:
        rows = conn.execute(select(Asset.created_at, Asset.updated_at, Asset.version)).all()
    assert len(rows) == 3
    assert len({(r[0], r[1]) for r in rows}) == 1  # one load, one time
    created = rows[0][0] if rows[0][0].tzinfo else rows[0][0].replace(tzinfo=UTC)
    assert started - timedelta(seconds=1) <= created <= ended + timedelta(seconds=1)
    assert {r[2] for r in rows} == {1}
    text = HEADER + f"{p}-N1,{p}-A1,{p}-S1,,SN9,PX-9,own,2018-01-01,none\n"
    later = run(empty, "assets", write(tmp_path / "more.csv", text))  # not a first load
    assert later.inserted == 1
    with empty.connect() as conn:
        stamp = conn.execute(select(Asset.created_at).where(Asset.external_id == f"{p}-N1"))
        assert stamp.scalar_one() != rows[0][0]
