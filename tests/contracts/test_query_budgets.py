"""Query budgets of the contract and telemetry lists.

Lists whose rows are machines or agreements (availability, gaps, statistics, an account's
agreements) send as many SQL statements for many rows as for a few. The contracts page and
``/api/v1/contracts/evaluation`` evaluate every contract on its own (its machines, their
agreements and downtime records): each contract costs the same fixed number of statements,
whatever the number of its machines, and the test holds that number.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servitize.contracts import service as contracts
from servitize.installed_base.models import Account
from servitize.telemetry import consent
from servitize.trust.audit import Actor
from tests import builders as b
from tests.query_budget import QueryCounter, assert_budget, count_queries
from tests.web.conftest import log_in
from tests.web.seed import Seeded, seed

ACTOR = Actor("test")
FROM = datetime(2026, 1, 1, tzinfo=UTC)
# Every request: the signed-in user (1).
LOGIN = 1
# /api/v1/availability: the machines the user sees (1); five consent checks (the machines to
# compute, the status readings' gate, the energy readings' gate, the downtime records' machines,
# the agreement hint) each read the agreements (5) and four of them the consenting or sending
# machines (4); the downtime records (1) and their machines (1).
AVAILABILITY_API = LOGIN + 1 + 5 + 4 + 2
# /api/v1/telemetry/gaps and /api/v1/telemetry/stats (a service manager of a territory): the
# serials the user sees (1). An admin sees every serial without a statement.
GAPS_API = LOGIN + 1
# /accounts/{id}/consent: the account (1), its agreements (1), their history (1) and the
# record of which computations used the account's data (1).
CONSENT_PAGE = LOGIN + 4
# One contract more on the contracts page or in the evaluation: its machines (1); for the
# computation one consent check for status data (agreements and consenting machines: 2) that
# gates every status read, one read of the agreements for energy data (1), the downtime
# records and their machines (2); for the evidence the same status check (2) and the downtime
# records and their machines (2). Not one per machine. (The record of use of every contract's
# computation is one statement for the whole page: telemetry.consent_usage.batched.)
PER_CONTRACT = 1 + (2 + 1 + 2) + (2 + 2)
# The contracts page evaluates its month as a report does (contracts.report_periods): the
# evidence comes from the computation's own intervals and records, without reading them again.
PER_CONTRACT_PAGE = 1 + (2 + 1 + 2)


@pytest.fixture
def seeded(session: Session) -> Seeded:
    return seed(session)


@pytest.fixture
def web(client: TestClient, seeded: Seeded, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"data_dir": tmp_path}
    )
    log_in(client, "ada")
    return client


def _hold(few: QueryCounter, many: QueryCounter, budget: int) -> None:
    assert_budget(few, budget)
    assert_budget(many, budget)
    assert many.count == few.count, many.report()


def _machines(session: Session, account: Account, n: int) -> None:
    for _ in range(n):
        b.asset(session, account)
    session.flush()


def _agreement(session: Session, account: Account) -> None:
    consent.record_agreement(
        session, ACTOR, account.id, ["status"], ["contract_verification"], FROM
    )


def _contract(session: Session, machines: int) -> None:
    account = b.account(session)
    _machines(session, account, machines)
    _agreement(session, account)
    contracts.create_contract(
        session,
        ACTOR,
        external_id=f"AV-{account.external_id}",
        account_id=account.id,
        name="Availability",
        target_pct=98.0,
        fee_cents=1_000_00,
        valid_from=FROM,
    )
    session.flush()


def test_availability_costs_the_same_for_5_or_50_machines(
    web: TestClient, session: Session, engine: Engine
) -> None:
    account = b.account(session)
    _agreement(session, account)
    _machines(session, account, 5)
    session.flush()
    url = "/api/v1/availability?month=2026-10"
    with count_queries(engine) as few:
        assert web.get(url).status_code == 200
    _machines(session, account, 45)
    with count_queries(engine) as many:
        assert web.get(url).status_code == 200
    _hold(few, many, AVAILABILITY_API)


def test_gaps_and_stats_cost_the_same_for_5_or_50_machines(
    web: TestClient, seeded: Seeded, session: Session, engine: Engine
) -> None:
    b.user(session, username="sam", role="service_manager", password="secret-pass-123")
    log_in(web, "sam", "secret-pass-123")
    account = b.account(session)
    _machines(session, account, 5)
    urls = ("/api/v1/telemetry/gaps?month=2026-10", "/api/v1/telemetry/stats")
    few = []
    for url in urls:
        with count_queries(engine) as counter:
            assert web.get(url).status_code == 200
        few.append(counter)
    _machines(session, account, 45)
    for url, before in zip(urls, few, strict=True):
        with count_queries(engine) as after:
            assert web.get(url).status_code == 200
        _hold(before, after, GAPS_API)


def test_an_accounts_agreements_cost_the_same_for_5_or_50(
    web: TestClient, session: Session, engine: Engine
) -> None:
    account = b.account(session)
    for _ in range(5):
        _agreement(session, account)
    session.flush()
    url = f"/accounts/{account.id}/consent"
    with count_queries(engine) as few:
        first = web.get(url)
    for _ in range(45):
        _agreement(session, account)
    session.flush()
    with count_queries(engine) as many:
        second = web.get(url)
    assert first.status_code == second.status_code == 200
    assert second.text.count("contract_verification") > first.text.count("contract_verification")
    _hold(few, many, CONSENT_PAGE)


def _cost(web: TestClient, engine: Engine, url: str) -> int:
    with count_queries(engine) as counter:
        answer = web.get(url)
    assert answer.status_code == 200, answer.text
    return counter.count


@pytest.mark.parametrize(
    ("url", "per_contract"),
    [
        ("/contracts?period=2026-10", PER_CONTRACT_PAGE),
        ("/api/v1/contracts/evaluation?period=2026-10", PER_CONTRACT),
    ],
)
@pytest.mark.slow  # availability for two fleets per page
def test_each_contract_costs_the_same_whatever_its_machines(
    web: TestClient, session: Session, engine: Engine, url: str, per_contract: int
) -> None:
    _contract(session, machines=2)
    one = _cost(web, engine, url)
    _contract(session, machines=2)
    two = _cost(web, engine, url)
    _contract(session, machines=30)
    three = _cost(web, engine, url)
    assert two - one == per_contract
    assert three - two == per_contract  # 30 machines cost what 2 do
