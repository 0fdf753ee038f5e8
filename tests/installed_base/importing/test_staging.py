"""PostgreSQL merges through a staging table, SQLite row by row: both land and reject alike.

The rules are one set (DuckDB SQL, ``rules``); what differs between the databases is how the
validated rows are written (PostgreSQL: COPY into a staging table, then SQL finds the changed
rows and inserts the new ones; a first load defers the key's unique index). These tests hold
both to the same counts, the same rejects with the same reasons, the same stored values and
the same audit entries.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import aliased

from servitize.core.db import make_engine
from servitize.installed_base.models import Asset
from servitize.trust.models import AuditEntry
from tests.conftest import BACKENDS, migrated_database
from tests.installed_base.importing.helpers import base, prefix, rejects, run, write
from tests.servers import require

TODAY = date(2026, 11, 23)
HEADER = (
    "external_id,account,site,parent,serial,model,origin,competitor,install_date,"
    "connectivity,warranty_end\n"
)


def _row(p: str, m: str, key: str, **values: str) -> str:
    """One asset line of ``HEADER``: machine m+key, a good one of p-A1 at p-S1 unless
    ``values`` say."""
    row = {
        "external_id": f"{m}{key}",
        "account": f"{p}-A1",
        "site": f"{p}-S1",
        "parent": "",
        "serial": f"SN-{key}",
        "model": "PX-200",
        "origin": "own",
        "competitor": "",
        "install_date": "2015-05-05",
        "connectivity": "none",
        "warranty_end": "2020-01-01",
    } | values
    return ",".join(row.values()) + "\n"


# Every defect class the importer names, and good rows of each shape: (row, expected reason
# text or None when the row lands). ``R`` is a root machine at the top of the file, ``LATE``
# one at its end, ``BADP`` a rejected machine just before it.
CASES: list[tuple[str, Any]] = [
    ("good", None),
    ("child of an earlier row", None),
    ("child of a later row", None),
    ("not a date", "is not a date (YYYY-MM-DD)"),
    ("time of day", "has a time of day"),
    ("year out of range", "is outside the accepted years"),
    ("in the future", "is in the future"),
    ("not an enum value", "is not one of: none, legacy, current"),
    ("origin missing", "origin is required"),
    ("competitor missing", "competitor is required when origin is competitor"),
    ("account missing", "is not imported yet"),
    ("site of another account", "belongs to another account"),
    ("parent never in the file", "nor a row of this file that landed"),
    ("parent rejected", "nor a row of this file that landed"),
    ("parent is itself", "parent is the asset itself"),
    ("key again", "appears again (first at line 2)"),
    ("too few fields", "the row has 4 fields, the header 11"),
    ("NUL byte", "holds a NUL byte"),
]


def _case(p: str, m: str, i: int, case: str) -> str:
    key = f"X{i}"
    return {
        "good": lambda: _row(p, m, key),
        "child of an earlier row": lambda: _row(p, m, key, parent=f"{m}R"),
        "child of a later row": lambda: _row(p, m, key, parent=f"{m}LATE"),
        "not a date": lambda: _row(p, m, key, install_date="2015-02-30"),
        "time of day": lambda: _row(p, m, key, install_date="2015-05-05T10:30:00"),
        "year out of range": lambda: _row(p, m, key, warranty_end="1800-01-01"),
        "in the future": lambda: _row(p, m, key, install_date="2030-01-01"),
        "not an enum value": lambda: _row(p, m, key, connectivity="wifi"),
        "origin missing": lambda: _row(p, m, key, origin=""),
        "competitor missing": lambda: _row(p, m, key, origin="competitor"),
        "account missing": lambda: _row(p, m, key, account=f"{p}-A9", site=""),
        "site of another account": lambda: _row(p, m, key, site=f"{p}-S2"),
        "parent never in the file": lambda: _row(p, m, key, parent=f"{m}NONE"),
        "parent rejected": lambda: _row(p, m, key, parent=f"{m}BADP"),
        "parent is itself": lambda: _row(p, m, key, parent=f"{m}{key}"),
        "key again": lambda: _row(p, m, "R", serial=f"again {i}"),
        "too few fields": lambda: f"{m}{key},{p}-A1,,\n",
        "NUL byte": lambda: _row(p, m, key, model="PX\x00200"),
    }[case]()


def _file(folder: Path, p: str, m: str, cases: list[str]) -> tuple[Path, dict[int, str | None]]:
    """The file of ``cases`` between R (line 2) and BADP, LATE (the last two lines), and the
    expected outcome by line: None (lands) or a part of the reason."""
    expected: dict[int, str | None] = {2: None}
    lines = [_row(p, m, "R")]
    for i, case in enumerate(cases):
        lines.append(_case(p, m, i, case))
        expected[len(lines) + 1] = dict(CASES)[case]
    lines.append(_row(p, m, "BADP", install_date="2015-13-01"))
    expected[len(lines) + 1] = "is not a date (YYYY-MM-DD)"
    lines.append(_row(p, m, "LATE"))
    expected[len(lines) + 1] = None
    return write(folder / "assets.csv", HEADER + "".join(lines)), expected


def _stored(engine: Engine, m: str) -> list[tuple[Any, ...]]:
    """The machines whose key starts with ``m`` as stored: key, parent's key, the file's values
    (keys without ``m``)."""
    parent = aliased(Asset)
    query = (
        select(
            Asset.external_id,
            parent.external_id,
            Asset.serial,
            Asset.model,
            Asset.origin,
            Asset.competitor,
            Asset.install_date,
            Asset.connectivity,
            Asset.warranty_end,
        )
        .outerjoin(parent, parent.id == Asset.parent_id)
        .where(Asset.external_id.like(f"{m}%"))
        .order_by(Asset.external_id)
    )
    with engine.connect() as conn:
        return [
            (key.removeprefix(m), parent_key and parent_key.removeprefix(m), *rest)
            for key, parent_key, *rest in conn.execute(query)
        ]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Engine], str]]:
    """An engine on a migrated database of each backend (this module's own, its asset table
    empty), each with the same accounts and sites (``base``) under the prefix it gives."""
    if not {"sqlite", "postgres"} <= set(BACKENDS):
        require(False, "PostgreSQL beside SQLite (SERVITIZE_TEST_BACKENDS=sqlite,postgres)")
    with (
        migrated_database("sqlite", "stage", tmp_path_factory) as lite,
        migrated_database("postgres", "stage", tmp_path_factory) as pg,
    ):
        engines = {"sqlite": make_engine(lite), "postgres": make_engine(pg)}
        p = prefix()
        for engine in engines.values():
            base(engine, tmp_path_factory.mktemp("base"), p)
        yield engines, p
        for engine in engines.values():
            engine.dispose()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(st.sampled_from([name for name, _ in CASES]), min_size=1, max_size=24),
    chunk_rows=st.sampled_from([3, 50_000]),
)
def test_both_databases_reject_the_same_rows_with_the_same_reasons(
    both: tuple[dict[str, Engine], str], cases: list[str], chunk_rows: int
) -> None:
    """The first example is a first load into the empty table (PostgreSQL: without the key's
    unique constraint, put back at the end), the others import into a table that has rows."""
    engines, p = both
    ex = prefix()  # this example's machines: p-<ex>...
    seen: dict[str, Any] = {}
    for name, engine in engines.items():
        with tempfile.TemporaryDirectory() as tmp:
            path, expected = _file(Path(tmp), p, f"{p}-{ex}", cases)
            first = run(engine, "assets", path, today=TODAY, chunk_rows=chunk_rows)
            got = {int(r["line"]): r["reason"] for r in rejects(first)} if first.rejected else {}
            again = run(engine, "assets", path, today=TODAY, chunk_rows=chunk_rows)
        bad = {line: part for line, part in expected.items() if part is not None}
        assert set(got) == set(bad), name
        for line, part in bad.items():
            assert part in got[line], (name, line, got[line])
        landed = len(expected) - len(bad)
        assert (first.read, first.landed, first.inserted) == (len(expected), landed, landed)
        assert (again.landed, again.inserted, again.updated) == (landed, 0, 0)
        assert again.unchanged == landed
        if name == "postgres":
            assert {"name": "uq_asset_external_id", "column_names": ["external_id"]} in [
                {k: u[k] for k in ("name", "column_names")}
                for u in inspect(engine).get_unique_constraints("asset")
            ]
        stored = _stored(engine, f"{p}-{ex}")
        reasons = {line: reason.replace(p, "P") for line, reason in got.items()}
        seen[name] = (reasons, stored, first.to_json()["rejected"])
    assert seen["sqlite"] == seen["postgres"]


HEADER_SHORT = "external_id,account,site,serial,model,origin,install_date,connectivity\n"


def test_a_reimport_updates_the_changed_inserts_the_new_and_leaves_the_rest(
    engine: Engine, tmp_path: Path
) -> None:
    p = prefix()
    base(engine, tmp_path, p)
    rows = [
        f"{p}-M1,{p}-A1,{p}-S1,SN1,PX-200,own,2015-05-05,none\n",
        f"{p}-M2,{p}-A1,{p}-S1,SN2,PX-200,own,2016-06-06,none\n",
    ]
    first = run(engine, "assets", write(tmp_path / "a.csv", HEADER_SHORT + "".join(rows)))
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    with engine.connect() as conn:
        before = {
            r.external_id: (r.updated_at, r.version)
            for r in conn.execute(select(Asset).where(Asset.external_id.like(f"{p}-%")))
        }
    # M1 as it was; M2 with another model, date and connectivity; M3 new. No serial
    # column this time: the stored serials stay.
    text = (
        "external_id,account,site,model,origin,install_date,connectivity\n"
        f"{p}-M1,{p}-A1,{p}-S1,PX-200,own,2015-05-05,none\n"
        f"{p}-M2,{p}-A1,{p}-S1,PX-300,own,2017-07-07,current\n"
        f"{p}-M3,{p}-A1,,KR-10,own,,\n"
    )
    again = run(engine, "assets", write(tmp_path / "b.csv", text), today=TODAY)
    assert (again.read, again.inserted, again.updated, again.unchanged) == (3, 1, 1, 1)
    with engine.connect() as conn:
        stored = {
            r.external_id.removeprefix(p): r
            for r in conn.execute(select(Asset).where(Asset.external_id.like(f"{p}-%")))
        }
        audit = conn.execute(
            select(AuditEntry).where(
                AuditEntry.entity == "asset",
                AuditEntry.action == "update",
                AuditEntry.entity_id == str(stored["-M2"].id),
            )
        ).all()
    m1, m2, m3 = stored["-M1"], stored["-M2"], stored["-M3"]
    assert (m1.updated_at, m1.version) == before[f"{p}-M1"]
    assert (m2.model, m2.install_date, m2.connectivity) == (
        "PX-300",
        date(2017, 7, 7),
        "current",
    )
    assert m2.serial == "SN2"  # not in the second file: untouched
    assert m2.version == before[f"{p}-M2"][1] + 1
    assert (m3.model, m3.site_id, m3.connectivity, m3.serial) == (
        "KR-10",
        None,
        "none",
        None,
    )
    assert len(audit) == 1
    assert audit[0].before == {
        "model": "PX-200",
        "install_date": "2016-06-06",
        "connectivity": "none",
    }
    assert audit[0].after == {
        "model": "PX-300",
        "install_date": "2017-07-07",
        "connectivity": "current",
    }
