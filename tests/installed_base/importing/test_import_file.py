"""Importing files on SQLite and PostgreSQL: counts, rejects with reasons, upserts, audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from servitize.installed_base.importing import loading
from servitize.installed_base.importing.service import import_directory
from servitize.installed_base.models import Asset, Order, ServiceEvent, order_asset
from servitize.trust.models import AuditEntry
from tests.installed_base.importing.helpers import ACTOR, base, prefix, rejects, run, write

TODAY = date(2026, 11, 23)
HEADER = "external_id,account,site,parent,serial,origin,competitor,install_date,connectivity\n"


def _assets(engine: Engine, p: str) -> dict[str, Asset]:
    with engine.connect() as conn:
        rows = conn.execute(select(Asset).where(Asset.external_id.like(f"{p}-%"))).all()
    return {r.external_id: r for r in rows}


def test_every_bad_row_is_rejected_with_its_line_and_reason(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = (
        HEADER
        + f'{p}-L1,{p}-A1,{p}-S1,,"serial\nacross two lines",own,,2010-01-01,none\n'  # lines 2-3
        + f"{p}-M1,{p}-A1,{p}-S1,{p}-L1,s1,own,,2015-05-05,current\n"  # 4 parent earlier: ok
        + f"{p}-M2,{p}-A1,{p}-S2,,s2,own,,2015-05-05,none\n"  # 5 site of another account
        + f"{p}-M3,{p}-A9,,,s3,own,,2015-05-05,none\n"  # 6 account not imported
        + f"{p}-M4,{p}-A1,,,s4,competitor,,2015-05-05,none\n"  # 7 competitor name missing
        + f"{p}-M5,{p}-A1,,,s5,own,,2030-01-01,none\n"  # 8 install date in the future
        + f"{p}-M6,{p}-A1,,,s6,own,,2015-02-30,none\n"  # 9 not a date
        + f"{p}-M7,{p}-A1,,,s7,own,,2015-05-05,wifi\n"  # 10 not an enumeration value
        + f"{p}-M8,{p}-A1,,{p}-M9,s8,own,,2015-05-05,none\n"  # 11 parent only later in file
        + f"{p}-M9,{p}-A1,,,s9,,,2015-05-05,none\n"  # 12 origin missing
        + f"{p}-M1,{p}-A1,,,s1,own,,2015-05-05,none\n"  # 13 key again
        + f"{p}-M10,{p}-A1,,,s10,own\n"  # 14 too few fields
    )
    result = run(engine, "assets", write(tmp_path / "assets.csv", text), today=TODAY)

    assert (result.read, result.landed, result.rejected) == (12, 2, 10)
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    assert result.rejects_file == tmp_path / "assets.csv.rejects.csv"
    got = {int(r["line"]): r["reason"] for r in rejects(result)}
    assert got == {
        5: f"site '{p}-S2' belongs to another account",
        6: f"account '{p}-A9' is not imported yet",
        7: "competitor is required when origin is competitor",
        8: "install_date '2030-01-01' is in the future",
        9: "install_date '2015-02-30' is not a date (YYYY-MM-DD)",
        10: "connectivity 'wifi' is not one of: none, legacy, current",
        11: f"parent '{p}-M9' is not imported yet, nor a row of this file that landed",
        12: "origin is required",
        13: f"external_id '{p}-M1' appears again (first at line 4)",
        14: "the row has 6 fields, the header 9",
    }
    first = rejects(result)[0]
    assert first["external_id"] == f"{p}-M2" and first["site"] == f"{p}-S2"  # original values
    stored = _assets(engine, p)
    assert set(stored) == {f"{p}-L1", f"{p}-M1"}
    assert stored[f"{p}-L1"].serial == "serial\nacross two lines"
    assert stored[f"{p}-M1"].parent_id == stored[f"{p}-L1"].id


def test_bom_and_semicolons_and_numbers(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = (
        "external_id;asset;date;kind;parts_cost;labour_hours;technician\n"
        f"{p}-W1;{p}-E1;2026-01-15;Repair;1234.50;2.5;\n"
        f"{p}-W2;{p}-E1;2026-01-16;repair;-3;1;\n"
        f"{p}-W3;{p}-E1;2026-01-17;repair;12,50;x;nobody\n"
    )
    write(tmp_path / "assets.csv", HEADER + f"{p}-E1,{p}-A2,{p}-S2,,s,own,,2020-01-01,none\n")
    assert run(engine, "assets", tmp_path / "assets.csv").landed == 1
    path = tmp_path / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run(engine, "service-events", path, today=TODAY)

    assert (result.read, result.landed, result.rejected) == (3, 1, 2)
    reasons = {int(r["line"]): r["reason"] for r in rejects(result)}
    assert reasons == {
        3: "parts_cost '-3' is negative",
        4: "parts_cost '12,50' is not an amount (use . as decimal mark); labour_hours 'x' is not "
        "a number; technician 'nobody' is not imported yet",
    }
    with engine.connect() as conn:
        event = conn.execute(
            select(ServiceEvent).where(ServiceEvent.external_id == f"{p}-W1")
        ).one()
        account_id = conn.scalar(select(Asset.account_id).where(Asset.external_id == f"{p}-E1"))
    assert (event.kind, event.parts_cost_cents, event.labour_hours) == ("repair", 123450, 2.5)
    assert event.account_id == account_id  # copied from the asset
    assert event.currency == "EUR" and event.day == date(2026, 1, 15)


def test_parquet_input(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    table = pa.table(
        {
            "external_id": [f"{p}-P1", f"{p}-P2"],
            "account": [f"{p}-A1", f"{p}-A1"],
            "origin": ["own", "alien"],
            "install_date": pa.array([date(2019, 3, 1), date(2019, 3, 2)], pa.date32()),
        }
    )
    pq.write_table(table, tmp_path / "assets.parquet")
    result = run(engine, "assets", tmp_path / "assets.parquet")
    assert (result.read, result.landed, result.rejected) == (2, 1, 1)
    assert rejects(result)[0]["line"] == "3"
    assert _assets(engine, p)[f"{p}-P1"].install_date == date(2019, 3, 1)


def _audits(engine: Engine, entity_id: str | None = None) -> list[AuditEntry]:
    with engine.connect() as conn:
        query = select(AuditEntry).where(AuditEntry.actor == "test-import")
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == entity_id)
        return list(conn.execute(query).all())


def test_reimport_changes_nothing_and_a_changed_row_updates(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    rows = [f"{p}-R{i},{p}-A1,{p}-S1,,s{i},own,,2018-01-0{i},none\n" for i in range(1, 4)]
    path = write(tmp_path / "assets.csv", HEADER + "".join(rows))
    first = run(engine, "assets", path)
    assert (first.inserted, first.updated, first.unchanged, first.rejects_file) == (3, 0, 0, None)
    stamps = {k: a.updated_at for k, a in _assets(engine, p).items()}
    with engine.connect() as conn:
        audits = conn.scalar(select(func.count()).select_from(AuditEntry))

    again = run(engine, "assets", path)
    assert (again.read, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 3)
    assert {k: a.updated_at for k, a in _assets(engine, p).items()} == stamps
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == audits

    rows[1] = f"{p}-R2,{p}-A1,{p}-S1,,s2-new,own,,2018-02-02,legacy\n"
    changed = run(engine, "assets", write(path, HEADER + "".join(rows)))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 2)
    asset = _assets(engine, p)[f"{p}-R2"]
    assert (asset.serial, asset.install_date, asset.connectivity) == (
        "s2-new",
        date(2018, 2, 2),
        "legacy",
    )
    entry = _audits(engine, str(asset.id))[-1]
    assert entry.action == "update" and entry.entity == "asset"
    assert entry.before == {"serial": "s2", "install_date": "2018-01-02", "connectivity": "none"}
    assert entry.after == {
        "serial": "s2-new",
        "install_date": "2018-02-02",
        "connectivity": "legacy",
    }


def test_strict_lands_nothing_but_writes_the_rejects(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    text = HEADER + f"{p}-G1,{p}-A1,,,s,own,,2018-01-01,none\n{p}-G2,{p}-A1,,,s,own,,bad,none\n"
    result = run(engine, "assets", write(tmp_path / "assets.csv", text), strict=True)
    assert (result.read, result.landed, result.rejected, result.invalid) == (2, 0, 2, 1)
    assert [r["line"] for r in rejects(result)] == ["3"]
    assert _assets(engine, p) == {}


def test_order_links_its_assets(engine: Engine, tmp_path: Path):
    p = prefix()
    base(engine, tmp_path, p)
    write(
        tmp_path / "assets.csv",
        HEADER + f"{p}-X1,{p}-A1,,,s,own,,2018-01-01,none\n"
        f"{p}-X2,{p}-A1,,,s,own,,2018-01-01,none\n",
    )
    write(
        tmp_path / "offerings.csv",
        f"external_id,name,shell,revenue_model,list_price\n{p}-O,Check,service,per_service,99\n",
    )
    write(
        tmp_path / "orders.csv",
        "external_id,date,account,offering,assets,amount,channel\n"
        f"{p}-B1,2026-03-01,{p}-A1,{p}-O,{p}-X1|{p}-X2,100.00,web\n"
        f"{p}-B2,2026-03-01,{p}-A1,{p}-O,{p}-X1|{p}-X3,100.00,web\n",
    )
    for kind in ("assets", "offerings"):
        assert run(engine, kind, tmp_path / f"{kind}.csv").rejected == 0
    result = run(engine, "orders", tmp_path / "orders.csv", today=TODAY)
    assert (result.landed, result.rejected) == (1, 1)
    assert rejects(result)[0]["reason"] == f"assets not imported yet: {p}-X3"
    with engine.connect() as conn:
        order_id = conn.scalar(select(Order.id).where(Order.external_id == f"{p}-B1"))
        linked = conn.execute(
            select(func.count()).select_from(order_asset).where(order_asset.c.order_id == order_id)
        ).scalar()
    assert linked == 2
    assert run(engine, "orders", tmp_path / "orders.csv", today=TODAY).unchanged == 1


def test_a_crash_keeps_committed_chunks_and_a_rerun_completes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Into a table that has rows, each chunk commits (into an empty one: test_first_load)."""
    p = prefix()
    base(engine, tmp_path, p)
    seed = write(tmp_path / "seed.csv", HEADER + f"{p}-seed,{p}-A1,,,s,own,,2018-01-01,none\n")
    assert run(engine, "assets", seed).landed == 1
    rows = "".join(f"{p}-C{i},{p}-A1,,,s,own,,2018-01-01,none\n" for i in range(5))
    path = write(tmp_path / "assets.csv", HEADER + rows)
    land = loading.Loader.land
    calls = []

    def crash_on_second_chunk(self, conn, rows, *waiting):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return land(self, conn, rows, *waiting)

    monkeypatch.setattr(loading.Loader, "land", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        run(engine, "assets", path, chunk_rows=2)
    assert set(_assets(engine, p)) == {f"{p}-seed", f"{p}-C0", f"{p}-C1"}

    monkeypatch.setattr(loading.Loader, "land", land)
    result = run(engine, "assets", path, chunk_rows=2)
    assert (result.inserted, result.unchanged, result.rejected) == (3, 2, 0)
    assert len(_assets(engine, p)) == 6


def test_import_directory_takes_the_kinds_in_order(engine: Engine, tmp_path: Path):
    p = prefix()
    write(tmp_path / "sites.csv", f"external_id,account,name,country\n{p}-S,{p}-A,Plant,DE\n")
    write(tmp_path / "accounts.csv", f"external_id,name\n{p}-A,Acme\n")
    write(tmp_path / "notes.csv", "anything\n")
    results = import_directory(engine, tmp_path, actor=ACTOR)
    assert list(results) == ["accounts", "sites"]
    assert [r.landed for r in results.values()] == [1, 1]
