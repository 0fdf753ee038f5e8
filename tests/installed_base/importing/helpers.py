"""Small helpers for importer tests: unique ids, files written from text."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from sqlalchemy import Engine

from servitize.installed_base.importing.service import ImportResult, import_file
from servitize.trust.audit import Actor

ACTOR = Actor("test-import")


def prefix() -> str:
    """A prefix that keeps this test's external ids apart from every other test's."""
    return "T" + uuid.uuid4().hex[:8]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (newlines included) and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def run(engine: Engine, kind: str, path: Path, **kw: object) -> ImportResult:
    """Import with the test actor."""
    return import_file(engine, kind, path, actor=ACTOR, **kw)  # type: ignore[arg-type]


def rejects(result: ImportResult) -> list[dict[str, str]]:
    """The reject file's rows."""
    assert result.rejects_file is not None
    with result.rejects_file.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def base(engine: Engine, folder: Path, p: str) -> None:
    """A user, two accounts (p-A1, p-A2) and a site of each (p-S1, p-S2)."""
    write(folder / "users.csv", f"username,role,territory\n{p}-owner,account_owner,north\n")
    write(
        folder / "accounts.csv",
        f"external_id,name,country,owner\n{p}-A1,Acme,DE,{p}-owner\n{p}-A2,Beta,FR,\n",
    )
    write(
        folder / "sites.csv",
        f"external_id,account,name,country\n{p}-S1,{p}-A1,Plant 1,DE\n{p}-S2,{p}-A2,Plant 2,FR\n",
    )
    for kind in ("users", "accounts", "sites"):
        result = run(engine, kind, folder / f"{kind}.csv")
        assert result.rejected == 0, rejects(result)
