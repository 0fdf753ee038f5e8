"""Clients on the app with the field routes (whether or not web/app.py wires them yet)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.field.seed import Field, seed


@pytest.fixture
def field(session: Session) -> Field:
    """The field organisation of tests/field/seed.py, seeded for today."""
    return seed(session, date.today())


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """A browser-like client sharing the test's session (nothing is committed)."""
    return client


@pytest.fixture
def api(app_client: TestClient) -> TestClient:
    """``app_client`` (requests share the test's transaction) with the field routes."""
    return app_client


def token_for(session: Session, user_id: int) -> dict[str, str]:
    """Bearer headers of a fresh API token of a user."""
    from servitize.trust.models import User
    from servitize.trust.service import issue_token

    return {"Authorization": f"Bearer {issue_token(session, session.get(User, user_id))}"}
