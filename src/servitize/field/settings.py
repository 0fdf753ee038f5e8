"""Thresholds of lead routing, turnaround SLAs and points; ``SERVITIZE_FIELD_*`` variables."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FieldSettings(BaseSettings):
    """Everything tunable in the field capability (amounts in major units of the currency)."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_FIELD_", extra="ignore")

    # A lead below this value (in the account's currency) goes to the technician of the
    # account's next visit; at or above it, to the account owner.
    threshold: float = Field(default=5_000, gt=0)
    threshold_by_currency: dict[str, float] = Field(default_factory=dict)
    max_open_per_technician: int = Field(default=5, ge=1)
    next_visit_days: int = Field(default=60, ge=1)
    # Turnaround SLAs in working days (Monday to Friday, minus holidays).
    sla_first_action_days: int = Field(default=2, ge=1)
    sla_proposal_days: int = Field(default=5, ge=1)
    sla_close_days: int = Field(default=20, ge=1)
    holidays: list[date] = Field(default_factory=list)
    lead_ttl_days: int = Field(default=60, ge=1)
    max_sheet_lines: int = Field(default=6, ge=1)

    def threshold_cents(self, currency: str) -> int:
        """The routing threshold in minor units of a currency."""
        return round(self.threshold_by_currency.get(currency, self.threshold) * 100)
