"""Argon2 password hashes and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the stored hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh API token as shown once to the user."""
    return "svt_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
