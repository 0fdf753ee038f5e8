"""REST routes of the organisation types under /api/v1/org/types."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["org_types"])
