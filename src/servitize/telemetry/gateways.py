"""Per-gateway broker credentials: a password line for Mosquitto and ACL lines that let a
gateway publish only under its own tenant's topic subtree.

The broker enforces who may publish where; the listener then checks that the tenant in the
topic owns the machine (``wrong_tenant`` otherwise). Together a gateway can report only for
its own customer's machines.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from servitize.core.errors import InvalidInput

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
ITERATIONS = 101  # what mosquitto_passwd 2.0 writes ($7$: PBKDF2-SHA512)


@dataclass(frozen=True)
class GatewayCredentials:
    """What the broker needs (password line, ACL lines) and what the gateway needs (password)."""

    username: str
    password: str
    password_line: str
    acl_lines: list[str]


def password_line(username: str, password: str, salt: bytes | None = None) -> str:
    """A Mosquitto password-file line (the ``$7$`` PBKDF2-SHA512 format of mosquitto_passwd)."""
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return (
        f"{username}:$7${ITERATIONS}${base64.b64encode(salt).decode()}"
        f"${base64.b64encode(digest).decode()}"
    )


def acl_lines(username: str, tenant: str) -> list[str]:
    """Mosquitto ACL lines: publish status and measurements under ``servitize/<tenant>/`` only."""
    return [
        f"user {username}",
        f"topic write servitize/{tenant}/+/status",
        f"topic write servitize/{tenant}/+/measure",
        "",
    ]


def listener_acl_lines(username: str) -> list[str]:
    """ACL lines of the listener's own broker user: read every gateway's topics."""
    return [f"user {username}", "topic read servitize/+/+/+", ""]


def new_gateway(name: str, tenant: str) -> GatewayCredentials:
    """Fresh credentials for one gateway of one tenant (account or site external id)."""
    for label, value in (("gateway name", name), ("tenant", tenant)):
        if not NAME.match(value):
            raise InvalidInput(
                f"{label} {value!r}: letters, digits, '_', '.', '-' only (no MQTT "
                "wildcards or '/'), at most 80 characters"
            )
    password = secrets.token_urlsafe(24)
    return GatewayCredentials(
        name, password, password_line(name, password), acl_lines(name, tenant)
    )
