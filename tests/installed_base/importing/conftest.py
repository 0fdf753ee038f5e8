"""Importer tests commit chunk by chunk, so they get databases of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from servitize.core.db import make_engine
from tests.conftest import BACKENDS, migrated_database


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine on a migrated database used only by importer tests."""
    with migrated_database(request.param, "import", tmp_path_factory) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()
