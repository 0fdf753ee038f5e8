"""The JSON routes answer only what the user may see."""

from __future__ import annotations

from fastapi import APIRouter

from servitize.telemetry import api


def test_router_has_the_routes() -> None:
    assert isinstance(api.router, APIRouter)
    paths = {r.path for r in api.router.routes}  # type: ignore[attr-defined]
    assert paths == {
        "/availability",
        "/telemetry/stats",
        "/consent/agreements",
        "/telemetry/gaps",
    }
