"""Thresholds of the intelligence rules; read from ``SERVITIZE_INTELLIGENCE_*`` variables."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Industrial-Internet infrastructure index per country, 0 (poor) .. 1 (excellent); an operator
# replaces it with their own (e.g. ITU ICT development index). Unknown countries get 0.5.
COUNTRY_DIGITAL_INDEX: dict[str, float] = {
    "DE": 0.82,
    "AT": 0.80,
    "CH": 0.90,
    "NL": 0.92,
    "BE": 0.82,
    "SE": 0.93,
    "DK": 0.92,
    "FI": 0.91,
    "NO": 0.92,
    "GB": 0.86,
    "IE": 0.80,
    "FR": 0.80,
    "ES": 0.76,
    "IT": 0.70,
    "PT": 0.72,
    "PL": 0.64,
    "CZ": 0.68,
    "RO": 0.52,
    "HU": 0.62,
    "US": 0.86,
    "CA": 0.83,
    "MX": 0.45,
    "BR": 0.50,
    "CL": 0.58,
    "AR": 0.50,
    "CN": 0.68,
    "IN": 0.38,
    "JP": 0.85,
    "KR": 0.92,
    "SG": 0.90,
    "AU": 0.84,
    "ZA": 0.42,
    "TR": 0.52,
    "AE": 0.78,
    "SA": 0.66,
}

# Which catalogue families a lead of each rule points to, first match wins.
OFFER_FAMILIES: dict[str, list[str]] = {
    "drifted_customer": ["maintenance_contract", "inspection", "service_agreement"],
    "wallet_share": ["maintenance_contract", "inspection", "spare_parts"],
    "repeat_repairs": ["condition_monitoring", "remote_service", "predictive_maintenance"],
    "past_typical_life": ["retrofit", "modernisation", "upgrade", "replacement"],
    "coverage_ending": ["maintenance_contract", "extended_warranty", "full_service"],
    "downtime_without_monitoring": ["condition_monitoring", "remote_service"],
    "competitor_fleet": ["multi_brand_service", "maintenance_contract"],
    "high_utilisation_no_contract": ["maintenance_contract", "availability_contract"],
}
# When no family matches, any offering of these shells will do.
FALLBACK_SHELLS: dict[str, list[str]] = {
    "repeat_repairs": ["digital_service"],
    "downtime_without_monitoring": ["digital_service"],
    "past_typical_life": ["expanded_range", "product"],
    "wallet_share": ["spare_parts", "service"],
}


class LeadRules(BaseModel):
    """Thresholds of the lead rules (all days are calendar days)."""

    drift_days: int = 365
    wallet_share_below: float = 0.35
    yearly_need_per_asset_cents: int = 2_500_00
    wallet_capture: float = 0.5
    repeat_window_days: int = 182
    repeat_min_repairs: int = 3
    typical_life_years: float = 20.0
    typical_life_by_line: dict[str, float] = Field(default_factory=dict)
    coverage_days: int = 90
    downtime_hours: float = 40.0
    competitor_share_min: float = 0.2
    utilisation_min: float = 0.8
    usage_window_days: int = 30  # telemetry usage features: the days ending on the cutoff
    # A model lead names a family the account has not bought within these days (rows bought
    # more recently never become leads: repair call-outs, subscription renewals).
    model_not_bought_days: int = 365
    lead_ttl_days: int = 60
    quiet_days: int = 120
    downtime_cost_per_hour_cents: int = 500_00
    value_share_of_downtime: float = 0.25


class SegmentRules(BaseModel):
    """Thresholds of the four seed-004 dimensions and the go-to-market mode."""

    high: float = 0.6
    low: float = 0.35
    history_days: int = 730
    country_index: dict[str, float] = Field(default_factory=lambda: dict(COUNTRY_DIGITAL_INDEX))
    old_years: float = 15.0


class IntelligenceSettings(BaseSettings):
    """Everything tunable in intelligence; nested values via ``__`` (e.g. LEADS__QUIET_DAYS)."""

    model_config = SettingsConfigDict(
        env_prefix="SERVITIZE_INTELLIGENCE_", env_nested_delimiter="__", extra="ignore"
    )

    leads: LeadRules = Field(default_factory=LeadRules)
    segments: SegmentRules = Field(default_factory=SegmentRules)
    offer_families: dict[str, list[str]] = Field(default_factory=lambda: dict(OFFER_FAMILIES))
    fallback_shells: dict[str, list[str]] = Field(default_factory=lambda: dict(FALLBACK_SHELLS))
    propensity_horizon_days: int = 182
    propensity_k: int = 100
    consent_purpose: str = "service_offers"
    # Catalogue items (external ids) that add sensors to a machine: before such an order the
    # machine's connectivity is unknown, so features at an earlier cutoff do not see today's.
    connectivity_offerings: list[str] = Field(default_factory=lambda: ["X-RETRO"])
    usage_min_coverage: float = 0.5  # share of the window's hours known for a utilisation
