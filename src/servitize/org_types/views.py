"""Pages of the organisation types: /org/types and the account 360's type panel."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
