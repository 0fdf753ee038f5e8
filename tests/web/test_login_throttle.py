"""Logins: failures throttled per username and per address (429, Retry-After, a message),
unknown users hashed like known ones, and hashing kept off the threads that serve pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from servitize.trust import passwords, throttle
from servitize.trust.models import LoginThrottle, User
from tests.web.conftest import csrf_of
from tests.web.seed import PASSWORD

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_five_wrong_passwords_block_the_username_with_429(client, seeded) -> None:  # type: ignore[no-untyped-def]
    for _ in range(throttle.USER_LIMIT):
        assert _login(client, "olga", "wrong password").status_code == 401
    blocked = _login(client, "olga", PASSWORD)  # even the right password, before any hashing
    assert blocked.status_code == 429
    assert 14 * 60 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert "Too many failed logins for this username. Try again in 15 minutes" in blocked.text
    # Another person from the same address is not locked out by Olga's counter.
    assert _login(client, "ada", PASSWORD).status_code == 303


@pytest.mark.slow  # twenty real Argon2 checks
def test_twenty_failures_from_one_address_block_it(client, seeded) -> None:  # type: ignore[no-untyped-def]
    for i in range(throttle.ADDRESS_LIMIT):  # a different, unknown name each time
        assert _login(client, f"guess{i}", "password1").status_code == 401
    blocked = _login(client, "ada", PASSWORD)
    assert blocked.status_code == 429 and "for your address" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0


def test_a_block_ends_and_a_success_clears_the_username(session) -> None:  # type: ignore[no-untyped-def]
    for minute in range(throttle.USER_LIMIT):
        throttle.failed(session, "Olga ", "10.0.0.7", NOW + timedelta(minutes=minute))
    with pytest.raises(throttle.TooManyRequests) as err:
        throttle.check(session, "olga", "10.0.0.8", NOW + timedelta(minutes=5))
    assert err.value.retry_after == 15 * 60 - 60  # blocked at minute 4 for 15 minutes
    throttle.check(session, "olga", "10.0.0.8", NOW + timedelta(minutes=19, seconds=1))  # over
    throttle.failed(session, "olga", "10.0.0.7", NOW + timedelta(minutes=40))  # a new window
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == "user:olga"))
    assert (row.failures, row.blocked_until) == (1, None)
    throttle.succeeded(session, "OLGA")
    assert session.scalar(select(LoginThrottle).where(LoginThrottle.key == "user:olga")) is None
    address = session.scalar(select(LoginThrottle).where(LoginThrottle.key == "address:10.0.0.7"))
    assert address.failures == 1  # the address keeps its own count (its old window was forgotten)


def test_an_unknown_user_costs_a_hash_like_a_wrong_password(
    client, seeded, session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    verified: list[str] = []
    real = passwords._hasher
    dummy = passwords.dummy_hash()

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            verified.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    assert _login(client, "nobody", PASSWORD).status_code == 401
    assert verified == [dummy]
    assert _login(client, "olga", "wrong password").status_code == 401
    olga = session.get(User, seeded.owner_id)
    assert verified[1] == olga.password_hash and verified[1] != verified[0]
    assert passwords.verify_password(None, PASSWORD) is False  # the dummy never lets anyone in


def test_hashing_does_not_take_a_page_thread(client, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from anyio import from_thread, to_thread

    borrowed: list[int] = []
    real = passwords.verify_password

    def watched(hash_: str | None, password: str) -> bool:
        borrowed.append(
            from_thread.run_sync(
                lambda: int(to_thread.current_default_thread_limiter().borrowed_tokens)
            )
        )
        return real(hash_, password)

    monkeypatch.setattr(passwords, "verify_password", watched)
    assert _login(client, "olga", PASSWORD).status_code == 303
    assert borrowed == [0]  # the page threads were all free while the password was hashed
