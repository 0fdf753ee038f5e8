"""Schemathesis against the app's own OpenAPI document, on SQLite and PostgreSQL.

Every operation gets generated requests, valid ones and invalid ones (huge integers, NUL
bytes, wrong types, missing fields), sent as an admin through an API token. No answer may be a
5xx, every status must be one the document names, and every JSON answer must match its schema,
refusals included (``Problem``). The examples are bounded so that a backend takes well under a
minute; ``SERVITIZE_SCHEMATHESIS_EXAMPLES`` raises the count for a longer hunt.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import Request
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy.orm import Session

from servitize.core.db import session_scope
from servitize.core.settings import Settings
from servitize.trust.http import db_session
from servitize.trust.models import User
from servitize.trust.service import issue_token
from servitize.web.app import create_app
from tests.web.seed import seed

EXAMPLES = int(os.environ.get("SERVITIZE_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api(session: Session, connection: sa.Connection, database_url: str) -> Iterator[tuple]:  # type: ignore[type-arg]
    """The app, seeded, with each request in a savepoint of the test's transaction (so a
    refused write rolls back only itself), and an admin's Bearer header."""
    seeded = seed(session)
    admin = session.query(User).filter_by(username="ada").one()
    token = issue_token(session, admin)
    session.flush()
    app = create_app(Settings(database_url=database_url, environment="test", secret_key="t" * 32))

    def request_session(request: Request) -> Iterator[Session]:
        with session_scope(
            lambda: Session(  # type: ignore[arg-type]
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        ) as request_db:
            yield request_db

    app.dependency_overrides[db_session] = request_session
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:  # records to aim at: an opportunity and its activities
        opportunity = client.post(
            "/api/v1/opportunities",
            headers=auth,
            json={"account_id": seeded.acme_id, "title": "Press line retrofit"},
        ).json()
        activity = client.get(
            f"/api/v1/opportunities/{opportunity['id']}/activities", headers=auth
        ).json()[0]
    known = {
        "account_id": seeded.acme_id,
        "asset_id": seeded.acme_press_id,
        "opportunity_id": opportunity["id"],
        "activity_id": activity["id"],
        "user_id": seeded.owner_id,
    }
    return app, auth, known


def _operations(schema) -> list:  # type: ignore[no-untyped-def]
    return [result.ok() for result in schema.get_all_operations()]


def _summary(exc: BaseException) -> str:
    """The failure's headline, the first lines of its reason and the request to reproduce it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    curl = [line for line in lines if line.startswith("curl ")]
    return " | ".join(lines[:6] + curl[:1])[:900]


@pytest.mark.slow
def test_no_answer_is_a_server_error_and_every_answer_matches_the_document(api) -> None:  # type: ignore[no-untyped-def]
    app, auth, known = api
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    statuses: dict[tuple[str, bool], set[int]] = defaultdict(set)
    operations = _operations(schema)
    assert len(operations) > 30, "the API document lists the routes"
    # each operation with generated ids, and again aimed at existing records where it can be
    runs = [(operation, None) for operation in operations]
    for operation in operations:
        names = re.findall(r"{(\w+)}", operation.path)
        if names and all(n in known for n in names):
            runs.append((operation, {n: known[n] for n in names}))
    for operation, path_parameters in runs:
        key = (operation.label, bool(path_parameters))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(
                case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            )
            def run(case) -> None:  # type: ignore[no-untyped-def]
                response = case.call(headers=auth)
                statuses[key].add(response.status_code)  # noqa: B023 - run() runs in this iteration
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid: an operation without parameters
                continue
            except (AssertionError, BaseExceptionGroup) as exc:  # collected, reported below
                aimed = " on existing records" if path_parameters else ""
                failures.append(f"{operation.label} [{mode.value}{aimed}]: {_summary(exc)}")
    assert not failures, "\n\n".join(failures)
    # not a hunt in the dark: the aimed runs reach the records (some writes succeed)
    accepted = sorted(op for (op, aimed), codes in statuses.items() if aimed and codes & {200, 201})
    assert "PATCH /api/v1/opportunities/{opportunity_id}" in accepted, statuses
    assert len(accepted) >= 5, accepted
