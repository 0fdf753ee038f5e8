"""Sessions end on the server at logout; API tokens can be revoked; the development secret
never signs cookies of a server reachable from elsewhere."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from servitize.cli import app as cli_app
from servitize.core.settings import DEV_SECRET, Settings
from servitize.trust import audit
from servitize.trust.http import SESSION_COOKIE
from servitize.trust.models import ApiToken, AuditEntry
from servitize.trust.service import create_user, set_password
from servitize.web.app import create_app
from tests.conftest import migrated_sqlite
from tests.web.conftest import log_in


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- logout ends the session on the server -------------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_logs_in(client: TestClient, seeded) -> None:  # type: ignore[no-untyped-def]
    token = log_in(client, "olga")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, stolen)  # the copy an attacker kept, still signed and young
    assert client.get("/accounts").status_code == 303  # to the login page


def test_logout_is_audited_and_a_new_login_works(client: TestClient, seeded, session) -> None:  # type: ignore[no-untyped-def]
    token = log_in(client, "olga")
    client.post("/logout", data={"csrf_token": token})
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "logout")) is not None
    log_in(client, "olga")
    assert client.get("/accounts").status_code == 200


def test_a_new_password_ends_the_sessions_signed_before(
    client: TestClient, seeded, session
) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.models import User

    log_in(client, "olga")
    olga = session.scalar(select(User).where(User.username == "olga"))
    set_password(session, audit.SYSTEM, olga, "another long password")
    session.flush()
    assert client.get("/accounts").status_code == 303


# --- API tokens can be revoked ---------------------------------------------------------------


def test_a_user_revokes_their_token_over_the_api_and_it_answers_401(session, app_client) -> None:  # type: ignore[no-untyped-def]
    user, token = create_user(session, audit.SYSTEM, "revoker", "account_owner")
    session.flush()
    assert app_client.get("/api/v1/accounts", headers=_bearer(token)).status_code == 200
    listed = app_client.get("/api/v1/tokens", headers=_bearer(token)).json()
    assert [t["user_id"] for t in listed] == [user.id]
    assert all("hash" not in key and key != "token" for t in listed for key in t)
    answer = app_client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=_bearer(token))
    assert answer.status_code == 200 and answer.json()["revoked"] is True
    assert answer.json()["revoked_at"] is not None
    assert app_client.get("/api/v1/accounts", headers=_bearer(token)).status_code == 401
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "api_token"))
    assert entry.action == "revoke" and entry.actor == "revoker"


def test_nobody_revokes_or_lists_another_users_token_but_an_admin(session, app_client) -> None:  # type: ignore[no-untyped-def]
    _a, token_a = create_user(session, audit.SYSTEM, "tok-a", "sales_manager")
    b_user, token_b = create_user(session, audit.SYSTEM, "tok-b", "account_owner")
    _admin, admin_token = create_user(session, audit.SYSTEM, "tok-admin", "admin")
    session.flush()
    b_token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == b_user.id))
    assert (
        app_client.delete(f"/api/v1/tokens/{b_token_id}", headers=_bearer(token_a)).status_code
        == 404
    )
    assert app_client.get("/api/v1/tokens?all=true", headers=_bearer(token_a)).status_code == 403
    assert app_client.get("/api/v1/accounts", headers=_bearer(token_b)).status_code == 200
    everyone = app_client.get("/api/v1/tokens?all=true", headers=_bearer(admin_token)).json()
    assert b_token_id in {t["id"] for t in everyone}
    assert (
        app_client.delete(f"/api/v1/tokens/{b_token_id}", headers=_bearer(admin_token)).status_code
        == 200
    )
    assert app_client.get("/api/v1/accounts", headers=_bearer(token_b)).status_code == 401
    assert (
        app_client.delete(
            "/api/v1/tokens/99999999999999999999", headers=_bearer(admin_token)
        ).status_code
        == 422
    )


def test_an_admin_revokes_a_token_on_the_admin_page(client: TestClient, seeded, session) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.models import User
    from servitize.trust.service import issue_token, user_by_token

    olga = session.scalar(select(User).where(User.username == "olga"))
    secret = issue_token(session, olga, "laptop")
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == olga.id))
    csrf = log_in(client, "olga")
    assert client.get("/admin/tokens").status_code == 403
    assert (
        client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code
        == 403
    )
    client.cookies.clear()
    csrf = log_in(client, "ada")
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "laptop" in page.text and "olga" in page.text
    assert secret not in page.text
    answer = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert user_by_token(session, secret) is None
    assert "revoked" in client.get("/admin/tokens").text


def test_the_cli_lists_and_revokes_tokens(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "tokens.db")
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    created = json.loads(
        runner.invoke(cli_app, ["users", "create", "carl", "--role", "analyst", "--json"]).stdout
    )
    listed = runner.invoke(cli_app, ["users", "tokens", "carl"])
    assert listed.exit_code == 0, listed.output
    row = json.loads(listed.stdout.splitlines()[0])
    assert row["revoked"] is False and created["api_token"] not in listed.stdout
    revoked = runner.invoke(cli_app, ["users", "revoke-token", str(row["id"])])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(runner.invoke(cli_app, ["users", "tokens", "carl"]).stdout)["revoked"] is True
    missing = runner.invoke(cli_app, ["users", "revoke-token", "4242"])
    assert missing.exit_code == 1 and "not found" in missing.output

    web = create_app(Settings(database_url=url, environment="test"))
    with TestClient(web) as c:
        assert c.get("/api/v1/accounts", headers=_bearer(created["api_token"])).status_code == 401


# --- the development secret -------------------------------------------------------------------


def test_production_needs_a_long_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment="production", secret_key="short-but-not-the-default")
    with pytest.raises(ValidationError, match="real secret"):
        Settings(environment="production", secret_key=DEV_SECRET)
    assert Settings(environment="production", secret_key="x" * 32).secret_key == "x" * 32


def test_serve_refuses_a_public_address_with_the_development_secret(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw["host"]))
    monkeypatch.delenv("SERVITIZE_SECRET_KEY", raising=False)
    monkeypatch.setenv("SERVITIZE_ENVIRONMENT", "development")
    runner = CliRunner()
    for host in ["0.0.0.0", "192.168.1.20", "::"]:
        refused = runner.invoke(cli_app, ["serve", "--host", host])
        assert refused.exit_code == 2 and "development secret" in refused.output, host
    demo = runner.invoke(cli_app, ["demo", "--host", "0.0.0.0"])  # refused before building
    assert demo.exit_code == 2 and "development secret" in demo.output
    assert started == []
    assert runner.invoke(cli_app, ["serve", "--host", "127.0.0.1"]).exit_code == 0
    monkeypatch.setenv("SERVITIZE_SECRET_KEY", "a-real-secret-" + "k" * 30)
    assert runner.invoke(cli_app, ["serve", "--host", "0.0.0.0"]).exit_code == 0
    assert started == ["127.0.0.1", "0.0.0.0"]


def test_the_app_refuses_requests_that_reach_it_from_elsewhere_with_the_development_secret(
    database_url,
) -> None:  # type: ignore[no-untyped-def]
    dev = create_app(Settings(database_url=database_url, environment="development"))
    with TestClient(dev, base_url="http://10.0.0.5:8000") as c:
        # TestClient puts the URL's host into the ASGI scope's server address, as uvicorn
        # puts the address the socket listens on.
        answer = c.get("/healthz")
        assert answer.status_code == 503 and "development secret" in answer.json()["detail"]
    with TestClient(dev, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/healthz").status_code == 200
        proxied = c.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 503
    real = create_app(
        Settings(database_url=database_url, environment="development", secret_key="s" * 40)
    )
    with TestClient(real, base_url="http://10.0.0.5:8000") as c:
        assert c.get("/healthz").status_code == 200


# --- answers to logged-in requests ----------------------------------------------------------


def test_logged_in_answers_are_not_stored_by_caches(client: TestClient, seeded, session) -> None:  # type: ignore[no-untyped-def]
    assert "no-store" not in client.get("/login").headers.get("cache-control", "")
    log_in(client, "olga")
    for path in ["/accounts", f"/accounts/{seeded.acme_id}", "/api/v1/accounts"]:
        assert client.get(path).headers.get("cache-control") == "no-store", path
    _u, token = create_user(session, audit.SYSTEM, "api-cache", "admin")
    client.cookies.clear()
    assert (
        client.get("/api/v1/accounts", headers=_bearer(token)).headers["cache-control"]
        == "no-store"
    )


def test_hsts_is_sent_when_configured_behind_tls(database_url) -> None:  # type: ignore[no-untyped-def]
    plain = create_app(Settings(database_url=database_url, environment="test"))
    with TestClient(plain) as c:
        assert "strict-transport-security" not in c.get("/healthz").headers
    tls = create_app(
        Settings(database_url=database_url, environment="test", hsts_max_age_s=31_536_000)
    )
    with TestClient(tls) as c:
        for path in ["/healthz", "/login"]:
            assert c.get(path).headers["strict-transport-security"] == (
                "max-age=31536000; includeSubDomains"
            )
