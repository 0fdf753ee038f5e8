"""Login, logout and CSRF protection of the web UI."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from servitize.trust.http import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from servitize.trust.models import AuditEntry
from servitize.web.auth import WRONG_LOGIN, safe_next
from tests.web.conftest import csrf_of, log_in
from tests.web.seed import PASSWORD


def test_a_page_without_login_redirects_to_login(client: TestClient) -> None:
    answer = client.get("/accounts/7")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Faccounts%2F7"


def test_login_sets_a_safe_session_cookie_and_goes_where_asked(client, seeded, session) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login?next=/accounts/1").text)
    answer = client.post(
        "/login",
        data={"username": "olga", "password": PASSWORD, "csrf_token": token, "next": "/accounts/1"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/accounts/1"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    page = client.get("/accounts")
    assert page.status_code == 200 and "Olga Berger" in page.text and "account owner" in page.text
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "login")) is not None


def test_wrong_password_and_unknown_user_get_the_same_answer(client, seeded) -> None:  # type: ignore[no-untyped-def]
    answers = []
    for username, password in [("olga", "wrong password"), ("nobody", PASSWORD)]:
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert answer.status_code == 401
        assert WRONG_LOGIN in answer.text
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
        answers.append(answer.text.replace(username, ""))
    assert csrf_of(answers[0]) == csrf_of(answers[1])  # same form, same token, same words
    assert client.get("/accounts").status_code == 303


def test_login_form_without_its_csrf_token_is_refused(client, seeded) -> None:  # type: ignore[no-untyped-def]
    client.get("/login")
    answer = client.post("/login", data={"username": "olga", "password": PASSWORD})
    assert answer.status_code == 403
    client.cookies.delete(LOGIN_CSRF_COOKIE, path="/login")
    answer = client.post(
        "/login", data={"username": "olga", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert answer.status_code == 403


def test_logout_needs_the_csrf_token_and_ends_the_session(client, seeded) -> None:  # type: ignore[no-untyped-def]
    token = log_in(client, "olga")
    refused = client.post("/logout", data={})
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert client.get("/accounts").status_code == 200  # still logged in
    assert client.post("/logout", headers={"x-csrf-token": "wrong"}).status_code == 403
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/accounts").status_code == 303


def test_only_local_paths_are_followed_after_login() -> None:
    assert safe_next("/accounts/3?q=a") == "/accounts/3?q=a"
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:x",
        "",
        None,
    ]:
        assert safe_next(evil) == "/accounts"


def test_htmx_request_with_expired_session_reloads_into_login(client: TestClient) -> None:
    htmx = {"hx-request": "true", "hx-current-url": "http://testserver/accounts/3?x=1"}
    for accept, status in [("text/html", 200), ("*/*", 401)]:
        answer = client.get("/accounts?q=a", headers=htmx | {"accept": accept})
        assert answer.status_code == status
        assert answer.headers["hx-redirect"] == "/login?next=%2Faccounts%2F3"
        assert "location" not in answer.headers


def test_login_redirect_keeps_the_filters(client: TestClient) -> None:
    answer = client.get("/accounts?country=DE&q=mill")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Faccounts%3Fcountry%3DDE%26q%3Dmill"
