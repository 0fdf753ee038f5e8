"""Pages of trust: user administration and your own account (trust.admin_views); your saved
filters of lists (trust.saved_filters_views)."""

from __future__ import annotations

from servitize.trust.admin_views import router
from servitize.trust.saved_filters_views import router as saved_filters

router.include_router(saved_filters)

__all__ = ["router"]
