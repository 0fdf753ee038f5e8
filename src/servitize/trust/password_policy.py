"""What a password must be: long enough, not the user's own name or email, not a password that
is tried first. Pure rules; every place that sets a password (pages, API, CLI, import) asks
``check``, which names the field in its refusal."""

from __future__ import annotations

from servitize.core.errors import InvalidInput

DEFAULT_MIN_LENGTH = 12

# The passwords tried first by anyone guessing (lists of leaked passwords agree on their heads),
# with the ones a servitize installation invites; compared without case.
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123123123123",
        "111111111111",
        "000000000000",
        "aaaaaaaaaaaa",
        "qwertyuiopasdf",
        "qwertyuiop123",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "changeme1234",
        "letmein12345",
        "welcome12345",
        "iloveyou1234",
        "administrator",
        "admin1234567",
        "adminadmin123",
        "trustno1trustno1",
        "servitize123",
        "servitize1234",
        "servitizeservitize",
        "sellsmart1234",
        "correcthorsebatterystaple",
    }
)


def check(
    password: str,
    *,
    username: str = "",
    email: str | None = None,
    min_length: int = DEFAULT_MIN_LENGTH,
    field: str = "password",
) -> None:
    """Refuse a password that breaks the policy (InvalidInput naming ``field``)."""
    if len(password) < min_length:
        raise InvalidInput(f"{field}: needs at least {min_length} characters, not {len(password)}")
    folded = password.strip().casefold()
    if not folded:
        raise InvalidInput(f"{field}: must not be only spaces")
    own = {username.strip().casefold()}
    if email:
        own |= {email.strip().casefold(), email.strip().casefold().split("@", 1)[0]}
    if folded in own - {""}:
        raise InvalidInput(f"{field}: must not be the user's name or email")
    if folded in COMMON or len(set(folded)) == 1:
        raise InvalidInput(f"{field}: is one of the most common passwords; choose another")
