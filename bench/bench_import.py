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


def _child(url: str, kind: str, path: str) -> None:
    """Run in a child process: import one file, print the result and this process's peak RSS."""
    from servitize.core.db import make_engine
    from servitize.installed_base.importing.service import import_file
    from servitize.trust.audit import Actor

    engine = make_engine(url)
    result = import_file(engine, kind, Path(path), actor=Actor("bench"))
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result.to_json() | {"peak_rss_bytes": peak}))


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


def _postgres_reference(url: str, path: Path, rows: int, table: str = "plain") -> int:
    """COPY the file into a plain text table, or into ``ref_asset``: indexes and foreign keys."""
    import psycopg

    columns = ASSET_COLUMNS.split(",")
    with psycopg.connect(url) as conn:
        if table == "plain":
            conn.execute(f"CREATE TABLE plain ({', '.join(c + ' TEXT' for c in columns)})")
        else:
            for sql in _indexed_table(table, foreign_keys=True):
                conn.execute(sql)
        conn.commit()
        started = time.perf_counter()
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, HEADER)"
        with conn.cursor().copy(copy_sql) as copy, path.open("rb") as f:
            while data := f.read(1 << 20):
                copy.write(data)
        conn.commit()
        return round(rows / (time.perf_counter() - started))


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
        postgres["copy_rows_s"] = _postgres_reference(url, paths["assets"], rows)
        for measure in ("rows_s", "reimport_rows_s", "append_rows_s"):
            name = "ratio_to_copy" if measure == "rows_s" else f"{measure[:-7]}_ratio_to_copy"
            postgres[name] = round(postgres[measure] / postgres["copy_rows_s"], 3)
        postgres["target_ratio_to_copy"] = round(1 / 3, 3)
        postgres["copy_indexed_rows_s"] = _postgres_reference(
            url, paths["assets"], rows, "ref_asset"
        )
        postgres["ratio_to_copy_indexed"] = round(
            postgres["rows_s"] / postgres["copy_indexed_rows_s"], 3
        )
        out["postgres"] = postgres
        return out


if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    _child(*sys.argv[2:5])
