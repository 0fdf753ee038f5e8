"""The product hashes passwords at Argon2's recommended cost; the tests alone use a cheaper one."""

from __future__ import annotations

from servitize.trust import passwords
from tests.conftest import PRODUCT_HASHER


def test_the_product_hashes_with_argon2id_at_64_mib_and_three_passes() -> None:
    # RFC 9106's second recommended option, argon2-cffi's default: 64 MiB, t=3, 4 lanes.
    digest = PRODUCT_HASHER.hash("a long enough password")
    assert digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCT_HASHER.verify(digest, "a long enough password")


def test_the_cheap_test_hasher_still_rejects_a_wrong_password() -> None:
    digest = passwords.hash_password("right password")
    assert digest.startswith("$argon2id$")
    assert passwords.verify_password(digest, "right password") is True
    assert passwords.verify_password(digest, "wrong password") is False
