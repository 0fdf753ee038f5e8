"""The admin lists (API tokens, the audit trail) cost the same number of queries for 3 rows as
for 30: one list query and one for the users' names, never one per row."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.trust import audit
from servitize.trust.service import issue_token
from tests import builders as b
from tests.query_budget import assert_budget, count_queries
from tests.web.conftest import log_in

# Logging in (the session's user), the list, the names of the users it shows.
BUDGET = 4


def _queries(client: TestClient, session: Session, path: str) -> int:
    with count_queries(session) as queries:
        page = client.get(path)
    assert page.status_code == 200, page.text
    assert_budget(queries, BUDGET)
    return queries.count


def test_the_token_list_makes_as_many_queries_for_3_tokens_as_for_30(
    client: TestClient, session: Session, seeded
) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "ada")
    owners = [b.user(session, role="technician") for _ in range(3)]
    for owner in owners:
        issue_token(session, owner, "few")
    session.flush()
    few = _queries(client, session, "/admin/tokens")
    for owner in owners * 9:
        issue_token(session, owner, "many")
    session.flush()
    assert _queries(client, session, "/admin/tokens") == few


def test_the_audit_page_makes_as_many_queries_for_3_changes_as_for_30(
    client: TestClient, session: Session, seeded
) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "ada")
    for n in range(3):
        audit.record(session, audit.SYSTEM, "create", "note", n)
    session.flush()
    few = _queries(client, session, "/admin/audit?entity=note")
    for n in range(27):
        audit.record(session, audit.SYSTEM, "create", "note", 100 + n)
    session.flush()
    assert _queries(client, session, "/admin/audit?entity=note") == few
