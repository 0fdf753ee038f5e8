"""``servitize import KIND FILE``: JSON summary and exit codes 0, 3 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servitize.cli import app
from tests.conftest import migrated_sqlite
from tests.installed_base.importing.helpers import write

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh migrated SQLite file the CLI's settings point at."""
    url = migrated_sqlite(tmp_path / "cli.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    return url


def _import(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["import", *args])
    return result.exit_code, result.stdout


def test_exit_0_when_all_rows_land(database: str, tmp_path: Path):
    path = write(tmp_path / "users.csv", "username,role\nann,admin\nben,technician\n")
    code, out = _import("users", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("read", "landed", "rejected", "inserted", "rejects_file")} == {
        "read": 2,
        "landed": 2,
        "rejected": 0,
        "inserted": 2,
        "rejects_file": None,
    }
    assert json.loads(_import("users", str(path), "--json")[1])["unchanged"] == 2


def test_exit_3_when_rows_are_rejected(database: str, tmp_path: Path):
    path = write(tmp_path / "users.csv", "username,role\nann,admin\nbob,king\n")
    code, out = _import("users", str(path), "--json")
    assert code == 3
    data = json.loads(out)
    assert (data["read"], data["landed"], data["rejected"]) == (2, 1, 1)
    assert data["rejects_file"] == str(tmp_path / "users.csv.rejects.csv")
    assert _import("users", str(path), "--strict", "--json")[0] == 3


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("users", None, "no such file"),
        ("users", "name,role\nann,admin\n", "lacks required column(s) for users: username"),
        ("planets", "username\nann\n", "unknown kind"),
        ("users", b"username,r\xffle\nann,admin\n", "its header is not utf-8 text"),
    ],
)
def test_exit_2_when_the_file_cannot_be_read(database, tmp_path, kind, text, message):
    path = tmp_path / "in.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        write(path, text)
    result = runner.invoke(app, ["import", kind, str(path)])
    if kind == "planets":  # not a command at all: Typer's usage error, also exit 2
        assert result.exit_code == 2
        return
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_summary_is_printed_without_json(database: str, tmp_path: Path):
    path = write(tmp_path / "users.csv", "username,role,shoe_size\nann,admin,42\n")
    result = runner.invoke(app, ["import", "users", str(path)])
    assert result.exit_code == 0
    assert "ignored unknown column(s): shoe_size" in result.output
    assert "landed" in result.output


def test_a_database_without_tables_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    path = write(tmp_path / "users.csv", "username,role\nann,admin\n")
    result = runner.invoke(app, ["import", "users", str(path)])
    assert result.exit_code == 1
    assert "servitize db upgrade" in result.output
