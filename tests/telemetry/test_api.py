"""The JSON routes answer only what the user may see."""

from __future__ import annotations

from fastapi import APIRouter

from servitize.telemetry import api


def _paths(router: APIRouter) -> set[str]:
    """The paths of a router's routes, into the routers it includes (consent's)."""
    out: set[str] = set()
    for route in router.routes:
        included = getattr(route, "original_router", None)
        out |= _paths(included) if included is not None else {route.path}  # type: ignore[attr-defined]
    return out


def test_router_has_the_routes() -> None:
    assert isinstance(api.router, APIRouter)
    assert _paths(api.router) == {
        "/availability",
        "/telemetry/stats",
        "/consent/agreements",
        "/telemetry/gaps",
        # consent_api: the staff's and the customer's self-service
        "/accounts/{account_id}/consent",
        "/consent/agreements.csv",
        "/consent/agreements/{agreement_id}/change",
        "/consent/agreements/{agreement_id}/revoke",
        "/portal/consent",
        "/portal/consent/agreements",
        "/portal/consent/agreements/{agreement_id}/change",
        "/portal/consent/agreements/{agreement_id}/revoke",
        "/portal/consent/record.{fmt}",
    }
