"""REST routes of the kpis capability under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["kpis"])
