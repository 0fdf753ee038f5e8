"""Databases for tests: SQLite and PostgreSQL, built by running the migrations.

Each test runs in a transaction that is rolled back; services see it as their session.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session

from servitize.core import migrate
from servitize.core.db import make_engine
from servitize.trust import passwords
from tests.servers import POSTGRES_URL, port_open, require

# The product's hasher (Argon2id, time cost 3, 64 MiB, 4 lanes: about a quarter of a CPU second
# per check) is kept here for the test that pins its parameters. Every other test hashes and
# verifies with real Argon2id at the smallest cost the algorithm allows: the suite logs in about
# ninety times, and those checks were a fifth of ``make test-fast``'s CPU time. The parameters
# travel inside each hash, so verifying works the same whatever they are.
PRODUCT_HASHER = passwords._hasher
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

ALL_BACKENDS = ("sqlite", "postgres")


def _backends() -> list[str]:
    """The database backends the tests run on: both, unless SERVITIZE_TEST_BACKENDS names fewer.

    ``make test-fast`` sets it to ``sqlite`` so that it needs no server; ``make test`` (and so
    CI) sets it to both, whatever the environment says.
    """
    wanted = [
        b.strip() for b in os.environ.get("SERVITIZE_TEST_BACKENDS", "").split(",") if b.strip()
    ]
    unknown = sorted(set(wanted) - set(ALL_BACKENDS))
    if unknown:
        raise pytest.UsageError(
            f"SERVITIZE_TEST_BACKENDS: unknown backend(s) {', '.join(unknown)}; "
            f"choose from {', '.join(ALL_BACKENDS)}"
        )
    return [b for b in ALL_BACKENDS if b in wanted] or list(ALL_BACKENDS)


BACKENDS = _backends()


def _postgres_database(name: str) -> str:
    """Create a fresh database for this test process and return its URL."""
    url = make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    require(port_open(url.host or "127.0.0.1", url.port or 5432), "PostgreSQL")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(name: str) -> None:
    url = make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_sqlite_template: list[Path] = []


def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at ``path`` (a new file): a copy of one migrated per process.

    Running the migrations takes seconds of file syncs on a busy machine; copying the pages of a
    database migrated once (SQLite's backup API, consistent even with its write-ahead log) takes
    milliseconds and gives the same tables, indexes and migration version. The migrations
    themselves still run: once per test process here, and in the tests that move between
    revisions.
    """
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="servitize-migrated-"))
        atexit.register(shutil.rmtree, folder, True)
        migrate.upgrade(f"sqlite:///{folder / 'records.db'}")
        _sqlite_template.append(folder / "records.db")
    if path.exists():
        raise FileExistsError(f"{path} exists: migrated_sqlite makes a new database")
    source = sqlite3.connect(_sqlite_template[0])
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{path}"


@contextmanager
def migrated_database(
    backend: str, name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database on a backend, dropped afterwards."""
    if backend == "sqlite":
        yield migrated_sqlite(tmp_path_factory.mktemp(name) / "records.db")
        return
    db_name = f"servitize_t_{os.getpid()}_{name}"
    url = _postgres_database(db_name)
    migrate.upgrade(url)
    yield url
    _drop_postgres_database(db_name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty records database on each backend, shared by the test session.

    Tests work in a rolled-back transaction; tests that must commit (batch imports) use a
    database of their own (see ``migrated_database``).
    """
    with migrated_database(request.param, "main", tmp_path_factory) as url:
        yield url


_own_databases = itertools.count(1)


@pytest.fixture
def own_database_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of this test's own, on the backend of ``database_url``.

    For tests whose commands commit (the CLI, batch jobs): what they commit must not reach the
    shared database, where other tests count what they find (leads generated over every account).
    """
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    with migrated_database(backend, f"own{next(_own_databases)}", tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[sa.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        yield conn
        trans.rollback()


@pytest.fixture
def session(connection: sa.Connection) -> Iterator[Session]:
    """A session whose commits only release savepoints of the test's transaction."""
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield s
    s.close()


_apps: dict[tuple[tuple[str, object], ...], Any] = {}


@contextmanager
def reused_app(**settings: Any) -> Iterator[Any]:
    """The app for these settings, built once per test process and handed back as new.

    FastAPI analyses a route's parameters the first time a request looks at it: about a third
    of a CPU second per app, which every test that built its own app paid again (the role table
    alone builds two hundred). The app is built once per settings; before and after each test its
    ``state`` (settings, engine, session factory: whatever a test set) and its dependency
    overrides are put back as they were, so no test sees another's changes; an app whose routes
    a test changed (mounting a router) is dropped, and the next test gets a new one.
    """
    from servitize.core.settings import Settings
    from servitize.web.app import create_app

    key = tuple(sorted(settings.items()))
    if key not in _apps:
        app = create_app(Settings(**settings))
        _apps[key] = (app, dict(app.state._state))
    app, pristine = _apps[key]

    def restore() -> None:
        app.state._state.clear()
        app.state._state.update(pristine)
        app.dependency_overrides.clear()

    restore()
    routes = [id(route) for route in app.router.routes]
    try:
        yield app
    finally:
        restore()
        if [id(route) for route in app.router.routes] != routes:
            del _apps[key]


@pytest.fixture
def app_client(database_url: str, connection: sa.Connection):  # type: ignore[no-untyped-def]
    """A TestClient on the app whose requests share the test's rolled-back transaction."""
    from fastapi.testclient import TestClient

    with (
        reused_app(database_url=database_url, environment="test") as app,
        TestClient(app) as client,
    ):
        app.state.session_factory = lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield client


@pytest.fixture
def data_app_client(database_url: str, connection: sa.Connection, tmp_path):  # type: ignore[no-untyped-def]
    """``app_client`` with a data folder (telemetry store) of the test's own."""
    from fastapi.testclient import TestClient

    with reused_app(database_url=database_url, environment="test") as app:
        app.state.settings = app.state.settings.model_copy(update={"data_dir": tmp_path})
        with TestClient(app) as client:
            app.state.session_factory = lambda: Session(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            yield client


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, through Playwright; never a downloaded browser."""
    from tests.browser import CHROMIUM_ARGS
    from tests.servers import CHROMIUM

    require(os.path.exists(CHROMIUM), "Chromium")
    from playwright.sync_api import sync_playwright  # imported here: optional on a laptop

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def client(session: Session, database_url: str):  # type: ignore[no-untyped-def]
    """A browser-like client (HTML, no redirects followed) sharing the test's session."""
    from fastapi.testclient import TestClient

    from servitize.trust.http import db_session

    def test_session() -> Iterator[Session]:
        yield session
        session.flush()

    with reused_app(database_url=database_url, environment="test", secret_key="t" * 32) as app:
        app.dependency_overrides[db_session] = test_session
        with TestClient(app, headers={"accept": "text/html"}, follow_redirects=False) as c:
            yield c
