"""Bad input answers 4xx with a message, never 500: huge integers, NUL bytes, NaN, unknown
references, nulls where a value is needed, double submits, oversized bodies."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.installed_base.models import Account
from servitize.trust.http import DbSession
from servitize.trust.models import User
from servitize.trust.service import issue_token
from servitize.web.api_shell import BodyLimit
from servitize.web.app import create_app
from tests import builders as b

HUGE = 2**70  # beyond 64 bits


@pytest.fixture
def owner(session: Session) -> tuple[User, int]:
    """An account owner with one account."""
    user = b.user(session, username="anna", role="account_owner")
    account = b.account(session, owner_id=user.id, currency="EUR")
    return user, account.id


def _auth(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _refused(answer, status: int | tuple[int, ...]) -> str:  # type: ignore[no-untyped-def]
    """The answer has the status and a message in words; the message is returned."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert answer.status_code in statuses, (answer.status_code, answer.text)
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


def test_integers_beyond_64_bits_are_refused(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = _auth(session, user)
    body = {"account_id": HUGE, "title": "Press line"}
    message = _refused(app_client.post("/api/v1/opportunities", json=body, headers=auth), 422)
    assert "account_id" in message
    body = {"account_id": account_id, "title": "Press line", "owner_id": HUGE}
    assert "owner_id" in _refused(
        app_client.post("/api/v1/opportunities", json=body, headers=auth), 422
    )
    # in a path and a query too
    _refused(app_client.get(f"/api/v1/accounts/{HUGE}", headers=auth), (404, 422))
    _refused(app_client.get(f"/api/v1/assets?account_id={HUGE}", headers=auth), (404, 422))
    _refused(app_client.get(f"/api/v1/opportunities/{HUGE}", headers=auth), (404, 422))
    machine = b.asset(session, session.get(Account, account_id))
    answer = app_client.patch(f"/api/v1/assets/{machine.id}", json={"site_id": HUGE}, headers=auth)
    assert _refused(answer, 422).startswith("site_id: Input should be less than or equal to")
    for url in ("/api/v1/accounts", "/api/v1/assets", "/api/v1/opportunities", "/api/v1/leads"):
        message = _refused(app_client.get(f"{url}?offset={HUGE}", headers=auth), 422)
        assert message.startswith("offset: Input should be less than or equal to 2147483647"), url


def test_nul_bytes_in_text_are_refused_with_the_field(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = _auth(session, user)
    body = {"account_id": account_id, "title": "Press\x00line"}
    assert "title" in _refused(
        app_client.post("/api/v1/opportunities", json=body, headers=auth), 422
    )
    body = {"account_id": account_id, "title": "Press", "lead_evidence": {"note": ["ok", "a\x00"]}}
    message = _refused(app_client.post("/api/v1/opportunities", json=body, headers=auth), 422)
    assert "lead_evidence.note[1]" in message
    # a NUL in a query parameter is refused, not passed to PostgreSQL
    _refused(app_client.get("/api/v1/accounts?q=a%00b", headers=auth), 422)


def test_nan_and_infinity_in_numbers_are_refused(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = {**_auth(session, user), "content-type": "application/json"}
    raw = f'{{"account_id": {account_id}, "title": "Press", "terms": {{"fee": NaN}}}}'
    assert "fee" in _refused(
        app_client.post("/api/v1/opportunities", content=raw, headers=auth), 422
    )
    raw = f'{{"account_id": {account_id}, "title": "Press", "value": "Infinity"}}'
    assert "value" in _refused(
        app_client.post("/api/v1/opportunities", content=raw, headers=auth), 422
    )


def test_unknown_references_are_refused_with_a_message(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = _auth(session, user)
    body = {"account_id": account_id, "title": "Press line", "owner_id": 987_654}
    assert "987654" in _refused(
        app_client.post("/api/v1/opportunities", json=body, headers=auth), (404, 422)
    )
    body = {"account_id": 987_654, "title": "Press line"}
    _refused(app_client.post("/api/v1/opportunities", json=body, headers=auth), (404, 422))


def test_null_where_a_value_is_needed_is_refused(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = _auth(session, user)
    created = app_client.post(
        "/api/v1/opportunities", json={"account_id": account_id, "title": "Press"}, headers=auth
    )
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    activity = app_client.get(f"/api/v1/opportunities/{oid}/activities", headers=auth).json()[0]
    answer = app_client.patch(
        f"/api/v1/opportunities/{oid}/activities/{activity['id']}",
        json={"status": None},
        headers=auth,
    )
    assert _refused(answer, 422) == "status: may not be null (leave it out to keep it)"
    answer = app_client.patch(
        f"/api/v1/opportunities/{oid}", json={"title": None, "risk": None}, headers=auth
    )
    assert _refused(answer, 422) == (
        "title: may not be null (leave it out to keep it); "
        "risk: may not be null (leave it out to keep it)"
    )
    # leaving them out keeps them; a nullable field may be cleared
    answer = app_client.patch(f"/api/v1/opportunities/{oid}", json={"value": None}, headers=auth)
    assert answer.status_code == 200 and answer.json()["title"] == "Press"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/availability?month=9999-12",
        "/api/v1/availability?month=0001-01",
        "/api/v1/visits?day=9999-12-31",
        "/api/v1/service-events?since=0001-01-01",
        "/api/v1/leaderboard?month=9999-12",
    ],
)
def test_dates_in_queries_outside_the_accepted_years_are_refused(  # type: ignore[no-untyped-def]
    app_client: TestClient, session: Session, owner, url: str
) -> None:
    user, _ = owner
    message = _refused(app_client.get(url, headers=_auth(session, user)), 422)
    assert "outside the accepted years 1900 to 2100" in message


def test_body_over_the_limit_is_413_before_the_app_reads_it(database_url: str, connection) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        Settings(database_url=database_url, environment="test", max_request_bytes=2048)
    )
    with TestClient(app) as client:
        body = json.dumps({"account_id": 1, "title": "x" * 5000})
        answer = client.post(
            "/api/v1/opportunities", content=body, headers={"content-type": "application/json"}
        )
        assert "2,048 bytes" in _refused(answer, 413)
        # a body without a declared length (chunked) is counted as it arrives
        chunks = (b'{"title": "' + b"x" * 1000 + b'"}' for _ in range(1))
        answer = client.post(
            "/api/v1/opportunities",
            content=(c for c in [b"x" * 1500] * 3),
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 413, answer.text
        del chunks


@pytest.mark.parametrize("declared", [True, False])
def test_body_limit_stops_reading_at_the_limit(declared: bool) -> None:
    """The middleware pulls no more of a 50 MB body than the limit and answers 413."""
    import anyio

    pulled = 0
    chunk = b"x" * 65_536
    total_chunks = 800  # 50 MiB

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < total_chunks}

    async def app(scope, receive_, send):  # type: ignore[no-untyped-def]
        body = b""
        more = True
        while more:
            message = await receive_()
            body += message["body"]
            more = message["more_body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"parsed"})

    sent: list[dict] = []  # type: ignore[type-arg]

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    headers = [(b"content-length", str(len(chunk) * total_chunks).encode())] if declared else []
    scope = {"type": "http", "method": "POST", "path": "/api/v1/x", "headers": headers}
    anyio.run(BodyLimit(app, limit=1024 * 1024), scope, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["detail"].startswith(
        "the request body is larger than 1,048,576"
    )
    # 1 MiB is 16 chunks of 64 KiB: the 17th crosses the limit; nothing after it is read
    assert pulled == (0 if declared else 17)


def test_nul_in_a_contact_or_asset_fix_is_refused_with_the_field(
    app_client: TestClient, session: Session, owner
) -> None:  # type: ignore[no-untyped-def]
    user, account_id = owner
    auth = _auth(session, user)
    answer = app_client.post(
        f"/api/v1/accounts/{account_id}/contacts",
        headers=auth,
        json={"name": "Hanna\x00Vogt", "buying_role": "decision_maker"},
    )
    assert _refused(answer, 422) == "name: text must not contain NUL (\\x00) characters"


def _app_writing_twice(database_url: str, connection, kind: str):  # type: ignore[no-untyped-def]
    """The app with one extra route that makes the database refuse a write of ``kind``."""
    import sqlalchemy as sa

    app = create_app(Settings(database_url=database_url, environment="test"))

    @app.post("/api/v1/test-refusal")
    def refusal(session: DbSession) -> dict[str, str]:
        if kind == "duplicate":  # a double submit: the same username twice
            for _ in range(2):
                session.add(User(username="twice", full_name="T", role="analyst"))
                session.flush()
        elif kind == "unknown_reference":
            session.execute(
                sa.text(
                    "INSERT INTO api_token (user_id, token_hash, label, revoked, created_at) "
                    "VALUES (987654, 'h', '', false, CURRENT_TIMESTAMP)"
                )
            )
        return {"status": "stored"}

    def request_session():  # type: ignore[no-untyped-def]
        from servitize.core.db import session_scope

        with session_scope(
            lambda: Session(bind=connection, join_transaction_mode="create_savepoint")
        ) as s:  # type: ignore[arg-type]
            yield s

    from servitize.trust.http import db_session

    app.dependency_overrides[db_session] = request_session
    return app


@pytest.mark.parametrize(
    ("kind", "status", "words"),
    [
        ("duplicate", 409, "exists already"),
        ("unknown_reference", 422, "referenced record does not exist"),
    ],
)
def test_a_write_the_database_refuses_is_a_4xx_with_a_reason(  # type: ignore[no-untyped-def]
    database_url: str, connection, kind: str, status: int, words: str
) -> None:
    with TestClient(_app_writing_twice(database_url, connection, kind)) as client:
        answer = client.post("/api/v1/test-refusal")
    assert words in _refused(answer, status)
