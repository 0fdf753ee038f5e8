"""REST routes of the value capability under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["value"])
