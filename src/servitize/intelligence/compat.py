"""Settings for the callers outside intelligence that do not hand theirs down yet.

Every intelligence edge (its API, pages and CLI) passes its settings to the services. Three
callers elsewhere still call a service without them: field's lead dismissal (API and
service), the demo builder (``web/demo.py``, for the company currency) and a date test. For
them, and only them, the services read the environment here, in this one place; delete this
module once they pass ``settings.intelligence`` / ``settings.company_currency``.
"""

from __future__ import annotations

from servitize.core.settings import Settings


def configured() -> Settings:
    """The environment's settings (only for the callers named above)."""
    return Settings()
