"""Query budgets for list pages: the statements a page sends must not grow with its rows.

The budget counts every statement of one request (session and user look-up, the page's own
queries); savepoint bookkeeping of the test fixtures is left out (see tests/query_budget.py).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servitize.trust.audit import Actor, record
from tests.query_budget import assert_budget, count_queries
from tests.web.conftest import log_in
from tests.web.seed import Seeded

# The signed-in user, the page of entries, (room for) a count of them for the pager and the
# names of the records shown (one read per kind of record on the page: here accounts).
AUDIT_PAGE_BUDGET = 4


def test_the_audit_page_costs_the_same_few_queries_for_3_or_53_entries(
    client: TestClient,
    seeded: Seeded,
    session: Session,
    engine: Engine,
) -> None:
    log_in(client, "ada")
    for n in range(3):
        record(session, Actor("import"), "update", "account", 100 + n, {"name": "a"}, {})
    session.flush()
    with count_queries(engine) as few:
        page = client.get("/admin/audit?entity=account")
    assert page.status_code == 200

    for n in range(50):
        record(session, Actor("import"), "update", "account", n, {"name": "a"}, {"name": "b"})
    session.flush()
    with count_queries(engine) as many:
        page = client.get("/admin/audit?entity=account")
    assert page.status_code == 200
    assert page.text.count("import") >= 50

    assert_budget(few, AUDIT_PAGE_BUDGET)
    assert_budget(many, AUDIT_PAGE_BUDGET)
    assert many.count == few.count, many.report()
