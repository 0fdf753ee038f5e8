"""Bad input never crashes an import and never lands wrong: dates, bytes, row order, audit, locks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine
from servitize.installed_base.importing import loading, locking
from servitize.installed_base.models import Account, Asset
from servitize.trust.models import AuditEntry
from tests.conftest import BACKENDS, migrated_database, migrated_sqlite
from tests.installed_base.importing.helpers import base, prefix, rejects, run, write

TODAY = date(2026, 11, 23)
HEADER = "external_id,account,parent,serial,origin,install_date,warranty_end\n"


def _assets(engine: Engine, p: str) -> dict[str, Asset]:
    with engine.connect() as conn:
        rows = conn.execute(select(Asset).where(Asset.external_id.like(f"{p}-%"))).all()
    return {r.external_id: r for r in rows}


def _reasons(result) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {int(r["line"]): r["reason"] for r in rejects(result)}


def test_dates_outside_the_accepted_years_or_with_a_time_are_rejected(
    engine: Engine, tmp_path: Path
):
    p = prefix()
    base(engine, tmp_path, p)
    rows = [
        ("M1", "-2020-01-01"),  # 2: a BC date in DuckDB
        ("M2", "0000-01-01"),  # 3
        ("M3", "20201-01-01"),  # 4: five-digit year
        ("M4", "0001-01-01"),  # 5: a Python date, but not a real one
        ("M5", "1899-12-31"),  # 6: one day before the range
        ("M6", "2020-08-08T10:00:00"),  # 7: would be cut to 2020-08-08
        ("M7", "2020-08-08T00:00:00"),  # 8: a spreadsheet's midnight: the date
        ("M8", "1900-01-01"),  # 9: first day of the range
        ("M9", "2100-12-31"),  # 10: last day of the range
    ]
    text = HEADER + "".join(f"{p}-{k},{p}-A1,,s,own,,{d}\n" for k, d in rows)
    result = run(engine, "assets", write(tmp_path / "assets.csv", text), today=TODAY)

    outside = "is outside the accepted years 1900 to 2100"
    assert _reasons(result) == {
        2: "warranty_end '-2020-01-01' " + outside,
        3: "warranty_end '0000-01-01' " + outside,
        4: "warranty_end '20201-01-01' " + outside,
        5: "warranty_end '0001-01-01' " + outside,
        6: "warranty_end '1899-12-31' " + outside,
        7: "warranty_end '2020-08-08T10:00:00' has a time of day (a date column takes YYYY-MM-DD)",
    }
    assert (result.read, result.landed, result.rejected) == (9, 3, 6)
    landed = {k.removeprefix(f"{p}-"): a.warranty_end for k, a in _assets(engine, p).items()}
    assert landed == {"M7": date(2020, 8, 8), "M8": date(1900, 1, 1), "M9": date(2100, 12, 31)}


def test_the_accepted_years_are_a_setting(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = HEADER + f"{p}-M1,{p}-A1,,s,own,1949-12-31,\n{p}-M2,{p}-A1,,s,own,1950-01-01,\n"
    result = run(
        engine, "assets", write(tmp_path / "assets.csv", text), today=TODAY, years=(1950, 2030)
    )
    assert _reasons(result) == {
        2: "install_date '1949-12-31' is outside the accepted years 1950 to 2030"
    }
    assert set(_assets(engine, p)) == {f"{p}-M2"}


def test_a_parquet_timestamp_with_a_time_of_day_is_rejected_not_cut(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    table = pa.table(
        {
            "external_id": [f"{p}-M1", f"{p}-M2"],
            "account": [f"{p}-A1", f"{p}-A1"],
            "origin": ["own", "own"],
            "warranty_end": pa.array(
                [datetime(2021, 3, 4), datetime(2021, 3, 4, 10, 30)], pa.timestamp("us")
            ),
        }
    )
    pq.write_table(table, tmp_path / "assets.parquet")
    result = run(engine, "assets", tmp_path / "assets.parquet", today=TODAY)
    assert list(_reasons(result)) == [3]
    assert "has a time of day" in _reasons(result)[3]
    assert _assets(engine, p)[f"{p}-M1"].warranty_end == date(2021, 3, 4)


def test_one_invalid_utf8_byte_rejects_its_row_and_the_rest_land(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = (
        HEADER.encode()
        + f"{p}-M1,{p}-A1,,s1,own,,\n".encode()
        + f"{p}-M2,{p}-A1,,M\xfcller,own,,\n".encode("latin-1")  # line 3: 0xfc
        + f"{p}-M3,{p}-A1,,s3,own,,\n".encode()
    )
    path = tmp_path / "assets.csv"
    path.write_bytes(text)
    result = run(engine, "assets", path, today=TODAY)

    assert (result.read, result.landed, result.rejected) == (3, 2, 1)
    assert set(_assets(engine, p)) == {f"{p}-M1", f"{p}-M3"}
    got = rejects(result)
    assert got[0]["line"] == "3"
    assert got[0]["reason"] == (
        "serial has byte 0xfc, which is not text in the file's encoding (give it with --encoding)"
    )
    assert got[0]["serial"] == "M\\xfcller"  # the byte as it was, readable


def test_the_encoding_option_reads_a_latin1_file(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    path = tmp_path / "assets.csv"
    path.write_bytes((HEADER + f"{p}-M1,{p}-A1,,M\xfcller,own,,\n").encode("cp1252"))
    result = run(engine, "assets", path, today=TODAY, encoding="cp1252")
    assert (result.landed, result.rejected) == (1, 0)
    assert _assets(engine, p)[f"{p}-M1"].serial == "Müller"


def test_a_nul_byte_rejects_its_row_and_the_rest_land(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = (
        HEADER
        + f"{p}-M1,{p}-A1,,s1,own,,\n"
        + f"{p}-M2,{p}-A1,,s\x002,own,,\n"
        + f"{p}-M3,{p}-A1,,s3,own,,\n"
    )
    result = run(engine, "assets", write(tmp_path / "assets.csv", text), today=TODAY)
    assert (result.read, result.landed, result.rejected) == (3, 2, 1)
    assert _reasons(result) == {3: "serial holds a NUL byte"}
    assert set(_assets(engine, p)) == {f"{p}-M1", f"{p}-M3"}


def test_bad_bytes_exit_3_not_2_and_nul_exits_3_not_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url = migrated_sqlite(tmp_path / "cli.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    path = tmp_path / "users.csv"
    path.write_bytes(b"username,role\nann,admin\nb\xffb,admin\nc\x00c,admin\ndan,analyst\n")
    result = runner.invoke(app, ["import", "users", str(path), "--json"])
    assert result.exit_code == 3, result.output
    assert '"landed": 2' in result.stdout and '"rejected": 2' in result.stdout
    assert "db upgrade" not in result.output


@pytest.mark.parametrize("chunk_rows", [50_000, 2])
def test_a_parent_later_in_the_file_lands_on_the_first_import(
    engine: Engine, tmp_path: Path, chunk_rows: int
):
    p = prefix()
    base(engine, tmp_path, p)
    text = (
        HEADER
        + f"{p}-M1,{p}-A1,{p}-L2,s1,own,,\n"  # its line L2 comes two chunks later
        + f"{p}-M2,{p}-A1,{p}-M1,s2,own,,\n"  # a chain: M2 in M1 in L2
        + f"{p}-X1,{p}-A1,,x1,own,,\n"
        + f"{p}-X2,{p}-A1,,x2,own,,\n"
        + f"{p}-L2,{p}-A1,,l2,own,,\n"
        + f"{p}-M3,{p}-A1,{p}-NONE,s3,own,,\n"
    )  # line 7: its parent is nowhere
    path = write(tmp_path / "assets.csv", text)
    result = run(engine, "assets", path, today=TODAY, chunk_rows=chunk_rows)

    assert (result.read, result.landed, result.rejected) == (6, 5, 1)
    assert _reasons(result) == {
        7: f"parent '{p}-NONE' is not imported yet, nor a row of this file that landed"
    }
    stored = _assets(engine, p)
    assert stored[f"{p}-M1"].parent_id == stored[f"{p}-L2"].id
    assert stored[f"{p}-M2"].parent_id == stored[f"{p}-M1"].id
    again = run(engine, "assets", path, today=TODAY, chunk_rows=chunk_rows)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 1)


def test_the_audit_entry_names_the_reject_file(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = HEADER + f"{p}-M1,{p}-A1,,s1,own,,\n{p}-M2,{p}-A9,,s2,own,,\n"
    result = run(engine, "assets", write(tmp_path / "assets.csv", text), today=TODAY)
    with engine.connect() as conn:
        entry = conn.execute(
            select(AuditEntry)
            .where(AuditEntry.action == "import")
            .where(AuditEntry.note == "assets from assets.csv")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).one()
    assert entry.after["rejects_file"] == str(tmp_path / "assets.csv.rejects.csv")
    assert result.rejects_file == tmp_path / "assets.csv.rejects.csv"
    assert (entry.after["inserted"], entry.after["rejected"]) == (1, 1)


def test_a_killed_chunked_import_leaves_an_audit_entry_for_what_it_committed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    p = prefix()
    base(engine, tmp_path, p)
    write(tmp_path / "seed.csv", HEADER + f"{p}-seed,{p}-A1,,s,own,,\n")
    run(engine, "assets", tmp_path / "seed.csv", today=TODAY)  # not a first load: chunks commit
    text = HEADER + "".join(f"{p}-C{i},{p}-A1,,c{i},own,,\n" for i in range(4))
    path = write(tmp_path / f"{p}.csv", text)
    land, calls = loading.Loader.land, []

    def crash_on_second_chunk(self, conn, rows, *waiting):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return land(self, conn, rows, *waiting)

    monkeypatch.setattr(loading.Loader, "land", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="killed"):
        run(engine, "assets", path, today=TODAY, chunk_rows=2)
    assert set(_assets(engine, p)) == {f"{p}-seed", f"{p}-C0", f"{p}-C1"}
    with engine.connect() as conn:
        entries = conn.execute(
            select(AuditEntry).where(AuditEntry.note.like(f"assets from {p}.csv%"))
        ).all()
    assert [(e.action, e.after["lines"], e.after["inserted"]) for e in entries] == [
        ("import chunk", "2-3", 2)
    ]


def test_a_second_import_of_a_kind_waits_for_the_first(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    path = write(tmp_path / "accounts.csv", f"external_id,name\n{p}-A1,Acme renamed\n")
    done: list[object] = []
    with locking.import_lock(engine, "accounts"):  # another import of accounts is running
        worker = threading.Thread(target=lambda: done.append(run(engine, "accounts", path)))
        worker.start()
        time.sleep(1.5)
        assert done == []  # it waits; it does not fail
    worker.join(30)
    result = done[0]
    assert (result.updated, result.rejected) == (1, 0)  # type: ignore[attr-defined]
    assert any("waited" in w for w in result.warnings)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert (
            conn.scalar(select(Account.name).where(Account.external_id == f"{p}-A1"))
            == "Acme renamed"
        )


@pytest.fixture(params=BACKENDS)
def empty(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database whose asset table is empty: both imports would be a first load."""
    with migrated_database(
        request.param, f"conc{request.node.name[-8:-1]}", tmp_path_factory
    ) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_two_concurrent_imports_of_one_kind_both_succeed(empty: Engine, tmp_path: Path):
    engine, p = empty, prefix()
    base(engine, tmp_path, p)
    text = HEADER + "".join(f"{p}-K{i},{p}-A1,,k{i},own,,\n" for i in range(300))
    paths = [write(tmp_path / f"a{n}.csv", text) for n in range(2)]
    results: list[object] = []
    errors: list[BaseException] = []

    def one(path: Path) -> None:
        try:
            results.append(run(engine, "assets", path, today=TODAY, chunk_rows=50))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(path,)) for path in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    got = sorted((r.inserted, r.unchanged) for r in results)  # type: ignore[attr-defined]
    assert got == [(0, 300), (300, 0)]
    assert len(_assets(engine, p)) == 300


def test_a_database_error_that_is_no_missing_table_gives_no_upgrade_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from sqlalchemy.exc import OperationalError

    from servitize.installed_base.importing import service

    url = migrated_sqlite(tmp_path / "cli.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)

    def locked(*_args: object, **_kw: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(service, "import_file", locked)
    path = write(tmp_path / "users.csv", "username,role\nann,admin\n")
    result = CliRunner().invoke(app, ["import", "users", str(path)])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "database is locked" in said and "run the import again" in said
    assert "db upgrade" not in said


def test_a_whole_number_beyond_the_column_is_rejected_not_a_failed_chunk(
    engine: Engine, tmp_path: Path
):
    p = prefix()
    text = (
        "external_id,name,employees\n"
        f"{p}-A1,Big,2147483647\n"  # the largest INTEGER: lands
        f"{p}-A2,Bigger,2147483648\n"  # one more: PostgreSQL's COPY failed the whole chunk
        f"{p}-A3,Small,12\n"
    )
    result = run(engine, "accounts", write(tmp_path / "accounts.csv", text))
    assert (result.read, result.landed, result.rejected) == (3, 2, 1)
    assert _reasons(result) == {3: "employees '2147483648' is larger than 2,147,483,647"}
