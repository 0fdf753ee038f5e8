"""Pages of trust: user administration and your own account (trust.admin_views)."""

from __future__ import annotations

from servitize.trust.admin_views import router

__all__ = ["router"]
