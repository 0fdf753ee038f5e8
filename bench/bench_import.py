"""Import N assets from CSV on SQLite and PostgreSQL against each database's own bulk load.

Scale ``small`` = 20,000 assets, ``full`` = 1,000,000. Each import runs in a child process so
its peak memory (ru_maxrss) is its own. Three imports, all with full validation and reject
reasons (every 1000th machine has a bad date): the first load into the empty asset table
(``rows_s``: one transaction, indexes, foreign keys and on PostgreSQL the key's unique
constraint built at the end), the same file again (``reimport_rows_s``: every row unchanged,
found by the staging merge), and a fifth as many new machines into the filled table
(``append_rows_s``: chunks merged through the staging table, each committed).

References in the same run: SQLite's ``.import`` (the sqlite3 shell) and DuckDB reading the
CSV into SQLite by executemany of plain tuples; PostgreSQL's ``COPY`` of the same file into a
plain table (the issue's target: one third of it, ``target_ratio_to_copy``). Second references, the honest
comparison: the same bulk loads into a copy of the real ``asset`` table with its indexes (the
file's text columns; PostgreSQL also with its foreign keys, to account and site by external id
and to itself by parent; SQLite's ``.import`` writes empty text, not NULL, so no foreign keys).

PostgreSQL's fair reference (``copy_production_*``): ``COPY`` of the very rows the first load
landed (typed, references resolved to ids) into a table made ``LIKE asset INCLUDING ALL`` with
the same three foreign keys: the production target as it stands, its seven indexes and three
foreign keys kept row by row. Beside it the same rows into that table without indexes, then
the indexes built and the foreign keys added (``copy_then_index_*``: what the first load does,
without reading, validating and resolving). Every PostgreSQL figure also comes as CPU seconds,
the client's and the database backend's (read from ``/proc``, PostgreSQL on this machine): on a
shared machine wall time varies with the load, CPU seconds much less (``cpu_s``).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ASSETS = {"small": 20_000, "full": 1_000_000}
POSTGRES = os.environ.get(
    "SERVITIZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
DATABASE = "servitize_bench_import"
ASSET_COLUMNS = (
    "external_id,account,site,parent,serial,model,product_line,manufacturer,origin,"
    "competitor,install_date,connectivity,warranty_end,coverage,contract_end"
)


def write_files(folder: Path, assets: int) -> dict[str, Path]:
    """Accounts, sites and assets CSVs; every 10th asset is a line the next 9 belong to."""
    accounts = max(assets // 10, 1)
    paths = {k: folder / f"{k}.csv" for k in ("accounts", "sites", "assets")}
    with paths["accounts"].open("w") as f:
        f.write("external_id,name,country,industry\n")
        f.writelines(f"A{i:07d},Customer {i},DE,machining\n" for i in range(accounts))
    with paths["sites"].open("w") as f:
        f.write("external_id,account,name,country\n")
        f.writelines(
            f"S{i:07d}-{j},A{i:07d},Plant {j},DE\n" for i in range(accounts) for j in (1, 2)
        )
    _write_assets(paths["assets"], range(assets), accounts)
    paths["more"] = folder / "more" / "assets.csv"
    paths["more"].parent.mkdir()
    _write_assets(paths["more"], range(assets, assets + max(assets // 5, 1)), accounts)
    return paths


def _write_assets(path: Path, numbers: range, accounts: int) -> None:
    """Machines ``numbers`` of the accounts; every 10th a line the next 9 belong to."""
    models = ("PX-200", "PX-300", "KR-10", "Mill 5")
    with path.open("w") as f:
        f.write(ASSET_COLUMNS + "\n")
        for n in numbers:
            a = n // 10 % accounts
            parent = "" if n % 10 == 0 else f"E{n - n % 10:08d}"
            own = n % 7 != 0
            year = 1995 + n % 30
            day = "2020-02-30" if n % 1000 == 999 else f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            f.write(
                f"E{n:08d},A{a:07d},S{a:07d}-{1 + n % 2},{parent},SN{n},{models[n % 4]},"
                f"line {n % 5},{'us' if own else 'Rival'},{'own' if own else 'competitor'},"
                f"{'' if own else 'Rival AG'},{day},{('none', 'legacy', 'current')[n % 3]},"
                f"{year + 2}-01-01,{('none', 'maintenance', 'full_service')[n % 3]},\n"
            )


def _process_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _backend_cpu(pids: list[int]) -> float | None:
    """CPU seconds the PostgreSQL backends ``pids`` used so far (None: not on this machine)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _child(url: str, kind: str, path: str) -> None:
    """Run in a child process: import one file, print the result, this process's peak RSS and
    the CPU seconds of the import (this process, and on PostgreSQL its backends)."""
    from sqlalchemy import event

    from servitize.core.db import make_engine
    from servitize.installed_base.importing.service import import_file
    from servitize.trust.audit import Actor

    engine = make_engine(url)
    pids: list[int] = []
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _remember(dbapi_connection: object, _record: object) -> None:
            with dbapi_connection.cursor() as cursor:  # type: ignore[attr-defined]
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])

    started = _process_cpu()
    result = import_file(engine, kind, Path(path), actor=Actor("bench"))
    client = _process_cpu() - started
    server = _backend_cpu(pids) if pids else None
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    cpu = {"client_cpu_s": round(client, 2), "server_cpu_s": server and round(server, 2)}
    print(json.dumps(result.to_json() | {"peak_rss_bytes": peak} | cpu))


def _import(url: str, kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "child", url, kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _indexes() -> list[tuple[bool, list[str]]]:
    """The real asset table's indexes and unique constraints, as (unique, file columns)."""
    from servitize.core.db import Base
    from servitize.installed_base import models  # noqa: F401  (registers the tables)

    table = Base.metadata.tables["asset"]
    named = {"account_id": "account", "site_id": "site", "parent_id": "parent"}
    out = [(bool(i.unique), [named.get(c.name, c.name) for c in i.columns]) for i in table.indexes]
    out += [
        (True, [named.get(c.name, c.name) for c in u.columns])
        for u in table.constraints
        if u.__class__.__name__ == "UniqueConstraint"
    ]
    return out


def _indexed_table(name: str, foreign_keys: bool) -> list[str]:
    """SQL for a copy of the asset table over the file's text columns, with its indexes."""
    columns = []
    for c in ASSET_COLUMNS.split(","):
        sql = f"{c} TEXT" + (" UNIQUE" if c == "external_id" else "")
        if foreign_keys and c in ("account", "site", "parent"):
            sql += (
                f" REFERENCES {({'account': 'account', 'site': 'site'}).get(c, name)}(external_id)"
            )
        columns.append(sql)
    if foreign_keys:  # PostgreSQL: the identity key and stamps of the real table too
        columns = [
            "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            *columns,
            "created_at TIMESTAMPTZ DEFAULT now()",
            "updated_at TIMESTAMPTZ DEFAULT now()",
        ]
    out = [f"CREATE TABLE {name} ({', '.join(columns)})"]
    for n, (unique, cols) in enumerate(i for i in _indexes() if i != (True, ["external_id"])):
        out.append(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX ix_{name}_{n} ON {name} ({', '.join(cols)})"
        )
    return out


def _sqlite_indexed_reference(db: Path, path: Path, rows: int) -> int:
    """``.import`` into an indexed copy of asset, in the records database, its page cache as
    large as the importer's."""
    from servitize.installed_base.importing.service import SQLITE_BULK

    pragmas = "".join(f"PRAGMA {k}={v};\n" for k, v in SQLITE_BULK.items())
    create = ";\n".join(_indexed_table("ref_asset", foreign_keys=False))
    subprocess.run(["sqlite3", str(db)], input=f"{create};\n", text=True, check=True)
    started = time.perf_counter()
    subprocess.run(
        ["sqlite3", str(db)],
        input=f"{pragmas}.import --csv --skip 1 {path} ref_asset\n",
        text=True,
        check=True,
    )
    return round(rows / (time.perf_counter() - started))


def _sqlite_references(path: Path, folder: Path, rows: int) -> dict:
    columns = ASSET_COLUMNS.split(",")
    create = f"CREATE TABLE plain ({', '.join(c + ' TEXT' for c in columns)})"
    out = {}
    if shutil.which("sqlite3"):
        db = folder / "ref_cli.db"
        started = time.perf_counter()
        subprocess.run(
            ["sqlite3", str(db)],
            input=f"{create};\n.import --csv --skip 1 {path} plain\n",
            text=True,
            check=True,
        )
        out["sqlite_cli_import_rows_s"] = round(rows / (time.perf_counter() - started))
        out["sqlite_cli_import_indexed_rows_s"] = _sqlite_indexed_reference(
            folder / "records.db", path, rows
        )
    import duckdb

    db = folder / "ref_duck.db"
    started = time.perf_counter()
    target = sqlite3.connect(db)
    target.execute(create)
    reader = duckdb.connect().execute(f"SELECT * FROM read_csv('{path}', all_varchar=true)")
    marks = ", ".join("?" for _ in columns)
    while batch := reader.fetchmany(50_000):
        target.executemany(f"INSERT INTO plain VALUES ({marks})", batch)
    target.commit()
    target.close()
    out["duckdb_executemany_rows_s"] = round(rows / (time.perf_counter() - started))
    return out


def _postgres_url() -> str | None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    except psycopg.OperationalError:
        return None
    return POSTGRES.rsplit("/", 1)[0] + f"/{DATABASE}"


def _postgres_reference(
    url: str, path: Path, rows: int, table: str = "plain", cpu: dict | None = None
) -> int:
    """COPY the file into a plain text table, or into ``ref_asset``: indexes and foreign keys
    (the backend's CPU seconds into ``cpu[table]``)."""
    import psycopg

    columns = ASSET_COLUMNS.split(",")
    with psycopg.connect(url) as conn:
        if table == "plain":
            conn.execute(f"CREATE TABLE plain ({', '.join(c + ' TEXT' for c in columns)})")
        else:
            for sql in _indexed_table(table, foreign_keys=True):
                conn.execute(sql)
        conn.commit()
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, HEADER)"
        seconds, used = _timed_copy(conn, copy_sql, path)
        if cpu is not None:
            cpu[table] = used and round(used, 2)
        return round(rows / seconds)


def _timed_copy(conn: Any, sql: str, path: Path) -> tuple[float, float | None]:
    """COPY ``path`` through ``sql`` and commit: (seconds, the backend's CPU seconds)."""
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    before = _backend_cpu([pid])
    started = time.perf_counter()
    with conn.cursor().copy(sql) as copy, path.open("rb") as f:
        while data := f.read(1 << 20):
            copy.write(data)
    conn.commit()
    seconds = time.perf_counter() - started
    after = _backend_cpu([pid])
    return seconds, None if before is None or after is None else after - before


def _production_references(url: str, folder: Path, landed: int) -> dict:
    """COPY the rows the first load landed (the asset table's first ``landed`` ids, all its
    columns) into a copy of the asset table: with its indexes and foreign keys kept row by row,
    and into one without them, the indexes and foreign keys built after."""
    import psycopg

    from servitize.installed_base.importing.bulk import MAINTENANCE_WORK_MEM

    rows = folder / "landed.copy"
    with psycopg.connect(url) as conn:
        export = f"COPY (SELECT * FROM asset ORDER BY id LIMIT {landed}) TO STDOUT"
        with rows.open("wb") as f, conn.cursor().copy(export) as copy:
            for data in copy:
                f.write(data)
        keys = (
            "FOREIGN KEY (account_id) REFERENCES account (id)",
            "FOREIGN KEY (site_id) REFERENCES site (id)",
            "FOREIGN KEY (parent_id) REFERENCES {t} (id)",
        )
        conn.execute("CREATE TABLE ref_prod (LIKE asset INCLUDING ALL)")
        conn.execute(
            "ALTER TABLE ref_prod " + ", ".join(f"ADD {k}" for k in keys).format(t="ref_prod")
        )
        conn.execute("CREATE TABLE ref_bare (LIKE asset INCLUDING DEFAULTS)")
        conn.commit()
        out: dict[str, Any] = {}
        seconds, cpu = _timed_copy(conn, "COPY ref_prod FROM STDIN", rows)
        out["copy_production_rows_s"] = round(landed / seconds)
        out["copy_production_server_cpu_s"] = cpu and round(cpu, 2)
        conn.execute("DROP TABLE ref_prod")
        conn.commit()
        copy_s, copy_cpu = _timed_copy(conn, "COPY ref_bare FROM STDIN", rows)
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        before, started = _backend_cpu([pid]), time.perf_counter()
        conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        conn.execute("ALTER TABLE ref_bare ADD PRIMARY KEY (id), ADD UNIQUE (external_id)")
        for n, (unique, columns) in enumerate(_indexes()):
            if (unique, columns) != (True, ["external_id"]):
                named = [
                    {"account": "account_id", "site": "site_id", "parent": "parent_id"}.get(c, c)
                    for c in columns
                ]
                conn.execute(f"CREATE INDEX ix_ref_bare_{n} ON ref_bare ({', '.join(named)})")
        conn.commit()
        index_s = time.perf_counter() - started
        middle = _backend_cpu([pid])
        for key in keys:
            conn.execute(f"ALTER TABLE ref_bare ADD {key.format(t='ref_bare')}")
        conn.commit()
        keys_s = time.perf_counter() - started - index_s
        after = _backend_cpu([pid])
        total = copy_s + index_s + keys_s
        out["copy_then_index_rows_s"] = round(landed / total)
        out["copy_then_index_seconds"] = {
            "copy": round(copy_s, 3),
            "indexes": round(index_s, 3),
            "foreign_keys": round(keys_s, 3),
        }
        if None not in (copy_cpu, before, middle, after):
            out["copy_then_index_server_cpu_s"] = {
                "copy": round(copy_cpu, 2),  # type: ignore[arg-type]
                "indexes": round(middle - before, 2),  # type: ignore[operator]
                "foreign_keys": round(after - middle, 2),  # type: ignore[operator]
            }
        conn.execute("DROP TABLE ref_bare")
        conn.commit()
    rows.unlink()
    return out


def _measure(url: str, paths: dict[str, Path], rows: int) -> dict:
    from servitize.core import migrate

    migrate.upgrade(url)
    for kind in ("accounts", "sites"):
        _import(url, kind, paths[kind])
    result = _import(url, "assets", paths["assets"])
    again = _import(url, "assets", paths["assets"])
    more = _import(url, "assets", paths["more"])
    return {
        "rows_s": round(rows / result["seconds"]),
        "seconds": result["seconds"],
        "landed": result["landed"],
        "rejected": result["rejected"],
        "peak_rss_mib": round(result["peak_rss_bytes"] / 2**20),
        "reimport_rows_s": round(rows / again["seconds"]),
        "reimport_unchanged": again["unchanged"],
        "reimport_peak_rss_mib": round(again["peak_rss_bytes"] / 2**20),
        "append_rows_s": round(more["read"] / more["seconds"]),
        "append_inserted": more["inserted"],
        "append_rejected": more["rejected"],
        "cpu_s": {
            name: {"client": done["client_cpu_s"], "server": done["server_cpu_s"]}
            for name, done in (("first", result), ("reimport", again), ("append", more))
        },
    }


def run(scale: str) -> dict:
    """Import ``ASSETS[scale]`` assets on both databases and compare with their bulk loads."""
    rows = ASSETS[scale]
    with tempfile.TemporaryDirectory(prefix="servitize-bench-import-") as tmp:
        folder = Path(tmp)
        paths = write_files(folder, rows)
        out: dict = {"assets": rows, "file_mib": round(paths["assets"].stat().st_size / 2**20, 1)}
        sqlite = _measure(f"sqlite:///{folder / 'records.db'}", paths, rows)
        sqlite |= _sqlite_references(paths["assets"], folder, rows)
        reference = max(
            sqlite.get("sqlite_cli_import_rows_s", 0), sqlite["duckdb_executemany_rows_s"]
        )
        sqlite["ratio_to_fastest_reference"] = round(sqlite["rows_s"] / reference, 3)
        sqlite["ratio_to_duckdb_executemany"] = round(
            sqlite["rows_s"] / sqlite["duckdb_executemany_rows_s"], 3
        )
        if "sqlite_cli_import_indexed_rows_s" in sqlite:
            sqlite["ratio_to_indexed_reference"] = round(
                sqlite["rows_s"] / sqlite["sqlite_cli_import_indexed_rows_s"], 3
            )
        out["sqlite"] = sqlite
        url = _postgres_url()
        if url is None:
            out["postgres"] = "not reachable"
            return out
        postgres = _measure(url, paths, rows)
        cpu: dict[str, float | None] = {}
        postgres["copy_rows_s"] = _postgres_reference(url, paths["assets"], rows, cpu=cpu)
        for measure in ("rows_s", "reimport_rows_s", "append_rows_s"):
            name = "ratio_to_copy" if measure == "rows_s" else f"{measure[:-7]}_ratio_to_copy"
            postgres[name] = round(postgres[measure] / postgres["copy_rows_s"], 3)
        postgres["target_ratio_to_copy"] = round(1 / 3, 3)
        postgres["copy_indexed_rows_s"] = _postgres_reference(
            url, paths["assets"], rows, "ref_asset", cpu=cpu
        )
        postgres["ratio_to_copy_indexed"] = round(
            postgres["rows_s"] / postgres["copy_indexed_rows_s"], 3
        )
        postgres |= _production_references(url, folder, postgres["landed"])
        for measure in ("rows_s", "reimport_rows_s"):
            name = "ratio" if measure == "rows_s" else "reimport_ratio"
            for ref in ("copy_production", "copy_then_index"):
                postgres[f"{name}_to_{ref}"] = round(
                    postgres[measure] / postgres[f"{ref}_rows_s"], 3
                )
        postgres["copy_server_cpu_s"] = cpu.get("plain")
        postgres["copy_indexed_server_cpu_s"] = cpu.get("ref_asset")
        postgres["cpu_ratio_to_copy"] = _cpu_ratio(postgres, "copy_server_cpu_s")
        postgres["cpu_ratio_to_copy_production"] = _cpu_ratio(
            postgres, "copy_production_server_cpu_s"
        )
        postgres["references"] = REFERENCES
        out["postgres"] = postgres
        return out


REFERENCES = {
    "copy": "COPY of the CSV file into a table of 15 TEXT columns: no index, no constraint, no "
    "types (the issue's plain COPY; ratio_to_copy, target_ratio_to_copy)",
    "copy_indexed": "COPY of the CSV file into TEXT columns with the asset table's indexes and "
    "foreign keys by external id (the earlier second reference)",
    "copy_production": "COPY of the rows the first load landed (typed, ids resolved) into a "
    "table LIKE asset INCLUDING ALL with its three foreign keys: the production target, "
    "7 indexes and 3 foreign keys kept row by row (the fair reference)",
    "copy_then_index": "the same rows into that table bare, then its indexes built and its "
    "foreign keys added (the first load's own plan, without reading, validating, resolving)",
    "cpu_ratio": "the reference's backend CPU seconds over the first load's CPU seconds, client "
    "and backend together (like rows_s ratios: above 1 is faster than the reference)",
}


def _cpu_ratio(postgres: dict, reference: str) -> float | None:
    used = postgres["cpu_s"]["first"]
    if postgres.get(reference) is None or used["server"] is None:
        return None
    return round(postgres[reference] / (used["client"] + used["server"]), 3)


if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    _child(*sys.argv[2:5])
