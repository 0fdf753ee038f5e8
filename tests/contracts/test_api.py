"""The contract routes under /api/v1 keep their addresses after the move out of telemetry."""

from __future__ import annotations

from fastapi import APIRouter

from servitize.contracts import api


def test_router_has_the_routes() -> None:
    assert isinstance(api.router, APIRouter)
    paths = {getattr(r, "path", None) for r in api.router.routes}
    assert {"/contracts/evaluation", "/contracts/{contract_id}/report"} <= paths
