"""The contract routes under /api/v1 keep their addresses after the move out of telemetry."""

from __future__ import annotations

from fastapi import APIRouter

from servitize.contracts import api


def test_router_has_the_routes() -> None:
    assert isinstance(api.router, APIRouter)
    paths = {r.path for r in api.router.routes}  # type: ignore[attr-defined]
    assert paths == {"/contracts/evaluation", "/contracts/{contract_id}/report"}
