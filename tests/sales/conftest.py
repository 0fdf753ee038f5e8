"""A test client on the app for the sales routes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import reused_app


@pytest.fixture
def sales_client(database_url: str, connection: sa.Connection):  # type: ignore[no-untyped-def]
    """Like ``app_client``, on the app with the sales routes, sharing the test's transaction."""
    from fastapi.testclient import TestClient

    with (
        reused_app(database_url=database_url, environment="test", secret_key="sales-test") as app,
        TestClient(app) as client,
    ):
        app.state.session_factory = lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield client
