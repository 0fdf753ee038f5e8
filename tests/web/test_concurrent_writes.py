"""Eight writers of one machine at once: a real uvicorn server on loopback, both databases.

Before the fix every fresh start froze: the handlers holding the pool's threads waited for the
row lock of a request whose commit waited for a thread; /healthz timed out and SIGTERM did
nothing. Now each write lands or answers 409, the server answers its health check at once, and
it stops on SIGTERM.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from servitize.core.db import make_engine
from servitize.core.errors import Conflict
from servitize.installed_base.models import Asset
from servitize.sales import repository as sales_repo
from servitize.sales import service as sales_service
from servitize.sales.models import Opportunity, PhaseChange
from servitize.sales.schemas import ActivityUpdate, OpportunityCreate
from servitize.trust.models import AuditEntry, User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.browser import free_port
from tests.conftest import BACKENDS, migrated_database

pytestmark = pytest.mark.slow  # a server process per database: make test, not make test-fast

WRITERS = 8
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """A migrated database with one machine and an owner's token, served by uvicorn (2 threads)."""
    with migrated_database(request.param, "concurrent", tmp_path_factory) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            owner = b.user(session, role="account_owner")
            account = b.account(session, owner_id=owner.id)
            asset = b.asset(session, account, model="PX-100")
            token = issue_token(session, owner)
            session.commit()
            asset_id = asset.id
        port = free_port()
        env = os.environ | {
            "SERVITIZE_DATABASE_URL": url,
            "SERVITIZE_ENVIRONMENT": "test",
            "SERVITIZE_WEB_THREADS": "2",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "servitize.web.cli:served_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        try:
            yield {
                "base": base,
                "token": token,
                "asset_id": asset_id,
                "engine": engine,
                "server": server,
            }
        finally:
            if server.poll() is None:
                server.kill()
                server.wait(10)
            engine.dispose()


def test_eight_concurrent_patches_land_or_conflict_and_health_answers(served: dict) -> None:
    base, asset_id = served["base"], served["asset_id"]
    headers = {"Authorization": f"Bearer {served['token']}"}
    answers: dict[int, int | str] = {}

    def patch(i: int) -> None:
        try:
            r = httpx.patch(
                f"{base}/api/v1/assets/{asset_id}",
                headers=headers,
                json={"model": f"PX-{i}"},
                timeout=30,
            )
            answers[i] = r.status_code
        except httpx.HTTPError as exc:
            answers[i] = type(exc).__name__

    writers = [threading.Thread(target=patch, args=(i,)) for i in range(WRITERS)]
    for w in writers:
        w.start()
    health = []
    for _ in range(3):  # while the writers are in flight
        started = time.perf_counter()
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200
        health.append(time.perf_counter() - started)
    for w in writers:
        w.join(60)
    assert statistics.median(health) < 1.0, health
    assert sorted(answers) == list(range(WRITERS))
    assert set(answers.values()) <= {200, 409}, answers
    landed = [i for i, status in answers.items() if status == 200]
    assert landed, answers
    with Session(served["engine"]) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        assert asset.model in {f"PX-{i}" for i in landed}  # the last writer's value, none lost
        assert asset.version == 1 + len(landed)  # every landed write, and only those
        fixes = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "asset", AuditEntry.entity_id == str(asset_id))
        )
        assert fixes == len(landed)


def _advanceable(session: Session) -> tuple[int, int, str]:
    """An opportunity whose phase 1 is done, its owner's token; committed by the caller."""
    owner = b.user(session, role="account_owner")
    acc = b.account(session, owner_id=owner.id)
    opp = sales_service.create(
        session, owner, OpportunityCreate(account_id=acc.id, title="Rebuild")
    )
    for a in sales_repo.activities_of(session, [opp.id]):
        if a.phase == 1 and a.required:
            sales_service.update_activity(
                session, owner, opp.id, a.id, ActivityUpdate(status="done")
            )
    session.flush()
    return opp.id, opp.version, issue_token(session, owner)


def _moves(session: Session, opportunity_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(PhaseChange)
            .where(PhaseChange.opportunity_id == opportunity_id, PhaseChange.from_phase >= 1)
        )
        or 0
    )


def test_four_concurrent_advances_write_one_phase_change(served: dict) -> None:
    with Session(served["engine"]) as session:
        opp_id, version, token = _advanceable(session)
        session.commit()
    answers: list[int | str] = []

    def advance() -> None:  # four clicks of the same page: the same version
        try:
            r = httpx.post(
                f"{served['base']}/api/v1/opportunities/{opp_id}/advance",
                params={"version": version},
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            )
            answers.append(r.status_code)
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)

    clicks = [threading.Thread(target=advance) for _ in range(4)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join(60)
    assert sorted(answers) == [200, 409, 409, 409], answers
    with Session(served["engine"]) as session:
        assert _moves(session, opp_id) == 1


@pytest.fixture
def postgres_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """PostgreSQL alone: SQLite has one writer at a time, so a row lock is PostgreSQL's."""
    with migrated_database("postgres", "row_lock", tmp_path_factory) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_a_second_writer_of_a_locked_opportunity_answers_409_at_once(
    postgres_engine: Engine,
) -> None:
    engine = postgres_engine
    with Session(engine) as session:
        opp_id, _version, _token = _advanceable(session)
        session.commit()
    first, second = Session(engine), Session(engine)
    try:
        owner = first.get(Opportunity, opp_id).owner_id  # type: ignore[union-attr]
        user = first.get(User, owner)
        sales_service.advance(first, user, opp_id)  # holds the row until it commits
        started = time.perf_counter()
        with pytest.raises(Conflict) as err:
            sales_service.advance(second, second.get(User, owner), opp_id)
        assert time.perf_counter() - started < 1.0  # no wait for the lock
        assert "being saved by someone else" in err.value.message
        second.rollback()
        first.commit()
    finally:
        first.close()
        second.close()
    with Session(engine) as session:
        assert _moves(session, opp_id) == 1


def test_sigterm_stops_the_server_after_concurrent_writes(served: dict) -> None:
    server = served["server"]
    assert httpx.get(served["base"] + "/healthz", timeout=5).status_code == 200
    server.terminate()
    server.wait(15)  # raises TimeoutExpired when SIGTERM does nothing
    assert server.returncode is not None
