"""HTML pages of the value capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
