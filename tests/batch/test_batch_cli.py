"""``servitize batch``: a bad engine, stage or missing Spark ends in one line naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from servitize.batch import engines
from servitize.cli import build


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build({"batch"}), ["batch", *args])
    return result.exit_code, result.output


def test_an_unknown_engine_is_one_line_naming_the_engines() -> None:
    code, out = _run("--engine", "flink")
    assert code == 2
    assert out.strip() == "error: unknown engine 'flink': use one of duckdb, spark"


def test_an_unknown_stage_is_one_line_naming_the_stages() -> None:
    code, out = _run("--stages", "availability,forecast")
    assert code == 2
    assert out.strip().startswith("error: unknown stage forecast: use some of compaction,")


def test_spark_without_java_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines.shutil, "which", lambda _name: None)
    monkeypatch.setattr(engines.importlib.util, "find_spec", lambda _name: object())
    code, out = _run("--engine", "spark")
    assert code == 2
    assert out.count("\n") == 1 and "needs Java" in out and "openjdk-17-jre-headless" in out


def test_spark_without_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines.importlib.util, "find_spec", lambda _name: None)
    code, out = _run("--engine", "spark")
    assert code == 2
    assert "pip install 'servitize[spark]'" in out


def test_duckdb_batch_prints_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The telemetry stages on an empty store: a summary table with zero rows, no error."""
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    code, out = _run("--stages", "compaction,availability,billing_usage", "--no-write-back")
    assert code == 0, out
    assert "analytics batch on duckdb" in out
    for stage in ("compaction", "availability", "billing_usage"):
        assert stage in out
