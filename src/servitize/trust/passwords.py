"""Argon2 password hashes and API tokens.

A hash takes tens of milliseconds of a core and 64 MiB on purpose. Logins hash on a small pool
of their own (``HASH_THREADS``), never on the threads that serve pages: eight anonymous clients
posting logins had pushed logged-in users' p95 from 115 ms to 6.6 s. At most ``HASH_QUEUE``
logins wait for it; more answer 429 at once.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import weakref
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from servitize.trust.throttle import TooManyRequests

_hasher = PasswordHasher()

HASH_THREADS = 1
HASH_QUEUE = 16
_waiting = {"logins": 0}
_limiters: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()  # one per event loop


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


@functools.cache
def dummy_hash() -> str:
    """The hash of a random password, made once: what an unknown user's password is checked
    against, so that "no such user" takes as long as "wrong password"."""
    return _hasher.hash(secrets.token_urlsafe(24))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the stored hash. Without a stored hash (unknown user, no
    password set) the dummy hash is verified all the same, and the answer is False."""
    try:
        return _hasher.verify(password_hash or dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password_pooled(password_hash: str | None, password: str) -> bool:
    """``verify_password`` on the login hashing pool, awaited without holding a page thread."""
    import asyncio

    from anyio import CapacityLimiter, to_thread

    if _waiting["logins"] >= HASH_QUEUE:
        raise TooManyRequests("Too many logins at once; try again in a few seconds.", 2)
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(HASH_THREADS)
    _waiting["logins"] += 1
    try:
        return await to_thread.run_sync(verify_password, password_hash, password, limiter=limiter)
    finally:
        _waiting["logins"] -= 1


def new_token() -> str:
    """A fresh API token as shown once to the user."""
    return "svt_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
