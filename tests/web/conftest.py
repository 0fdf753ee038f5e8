"""A test client on the app whose requests share the test's rolled-back session."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.seed import PASSWORD, Seeded, seed

HTML = {"accept": "text/html"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(session: Session) -> Seeded:
    """The small manufacturer of tests/web/seed.py."""
    return seed(session)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match, "the page has no form with a csrf_token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "") -> str:
    """Log in through the form; returns the page's CSRF token for later posts."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_url},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/accounts").text)
