"""The customer's data-sharing pages under /portal/consent (filled by the consent work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
