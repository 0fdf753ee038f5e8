"""HTML pages of the kpis capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
