"""One SparkSession per test module (local[2], UI off); in CI a missing engine fails the test."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import require


def spark_missing() -> str | None:
    """Why Spark cannot start here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed: pip install 'servitize[spark]'"
    if shutil.which("java") is None:
        return "Java is missing: bash scripts/ensure-java"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local[2] SparkSession for the module; CI fails (never skips) without Java or PySpark."""
    why = spark_missing()
    require(why is None, f"Spark ({why})")
    from servitize.batch.engines import SMALL, spark_session

    session = spark_session("local[2]", app="servitize-tests", conf=SMALL)
    yield session
    session.stop()
