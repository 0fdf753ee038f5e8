"""Reach the real servers tests need; skip on a laptop without them, fail when CI is set."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "SERVITIZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
MQTT_HOST = os.environ.get("SERVITIZE_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("SERVITIZE_TEST_MQTT_PORT", "1883"))
CHROMIUM = os.environ.get("SERVITIZE_TEST_CHROMIUM", "/usr/bin/chromium")


def require(available: bool, what: str) -> None:
    """Skip when a server is missing on a laptop; fail when CI is set (CI must test it)."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not reachable, and CI is set: the test must run in CI")
    pytest.skip(f"{what} is not reachable (this skip becomes a failure when CI is set)")


def port_open(host: str, port: int) -> bool:
    """True when something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# The public data sets live beside the repository (shared/datasets), never inside it.
DATASETS = Path(
    os.environ.get(
        "SERVITIZE_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
)
