"""One ``Settings`` for all of servitize, read from the environment; it fails fast on bad values.

Its sections belong to the capabilities: ``settings.field`` (``SERVITIZE_FIELD_*``),
``settings.intelligence`` (``SERVITIZE_INTELLIGENCE_*``, nested values with ``__``),
``settings.sales`` (``SERVITIZE_SALES_*``) and ``settings.offers`` (``SERVITIZE_OFFERS_*``).
Services never read the environment: each edge (API, page, CLI, batch) builds one ``Settings``
and hands it on, inside a ``Context``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "servitize-development-secret-change-me"
SECRET_MIN_LENGTH = 32


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
    # The terms printed on every sign-up sheet the customer signs (SERVITIZE_FIELD_SHEET_TERMS).
    sheet_terms: str = Field(
        default=(
            "Prices are fixed per activity and exclude VAT. Each ticked activity is ordered when "
            "you sign; we agree its date with you and invoice it when done, payable within 30 "
            "days. Parts beyond the activity's scope are offered separately."
        ),
        max_length=2000,
    )

    def threshold_cents(self, currency: str) -> int:
        """The routing threshold in minor units of a currency."""
        return round(self.threshold_by_currency.get(currency, self.threshold) * 100)


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
    """Thresholds of the four segment dimensions and the go-to-market mode."""

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


class SalesSettings(BaseSettings):
    """The sales capability: where the sales policy (borderline of terms, thresholds) lives."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_SALES_", extra="ignore")

    # A YAML file in the form of the packaged policy.yaml; unset: the packaged policy.
    policy: Path | None = None


class OffersSettings(BaseSettings):
    """Quotes, approvals, contracts and billing; ``SERVITIZE_OFFERS_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_OFFERS_", extra="ignore")

    # The largest discount (percent) each role grants alone; above it a quote needs approval by
    # someone whose authority covers it. No quote line goes above ``max_discount_pct``.
    discount_authority_pct: dict[str, float] = Field(
        default_factory=lambda: {
            "account_owner": 10.0,
            "technician": 0.0,
            "sales_manager": 25.0,
            "service_manager": 15.0,
            "admin": 40.0,
        }
    )
    max_discount_pct: float = Field(default=50.0, ge=0, le=100)
    # Below this margin (percent of the contract value) a quote needs approval.
    min_margin_pct: float = Field(default=25.0, ge=0, le=100)
    quote_validity_days: int = Field(default=30, ge=1, le=365)
    # A renewal opportunity opens this many days before a contract's end.
    renewal_lead_days: int = Field(default=120, ge=1, le=730)
    # The consent purpose under which telemetry may be billed as usage.
    billing_purpose: str = "billing"


class ValueSettings(BaseSettings):
    """The value case (savings, TCO, NPV, IRR, payback, value-based price); ``SERVITIZE_VALUE_*``."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_VALUE_", extra="ignore")

    # The customer's cost of one hour of unplanned downtime when the case has none entered.
    downtime_cost_per_hour_cents: int = Field(default=500_00, ge=0)
    # The customer's yearly discount rate (percent) when the case has none entered.
    discount_rate_pct: float = Field(default=8.0, gt=-100)
    # The share of the quantified savings the value-based price leaves to the supplier.
    supplier_share_pct: float = Field(default=30.0, ge=0, le=100)
    # Sensitivity: each assumption moved by +/- this percent in this many steps.
    sensitivity_pct: float = Field(default=20.0, gt=0, le=100)
    sensitivity_steps: int = Field(default=21, ge=3, le=201)


class OrgTypesSettings(BaseSettings):
    """The four types of sales organisation (``SERVITIZE_ORG_TYPES_*``)."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_ORG_TYPES_", extra="ignore")

    # The type serving an account no assignment covers (1 to 4).
    default_type: int = Field(default=1, ge=1, le=4)
    # Whether the default type's quote structure and lead routing apply to such accounts too;
    # off, they are only shown (quotes and routes work as before the types existed).
    enforce_default: bool = False


class KpiSettings(BaseSettings):
    """Measures of the sales organisation (CAC, CLV, churn, the scorecard); ``SERVITIZE_KPIS_*``."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_KPIS_", extra="ignore")

    # The company's yearly discount rate (percent) for customer lifetime value.
    discount_rate_pct: float = Field(default=10.0, gt=-100)
    # The horizon of customer lifetime value, in months.
    clv_horizon_months: int = Field(default=60, ge=1, le=600)
    # Gross margin (percent) of non-contractual orders (spare parts, time and material), whose
    # cost the order does not carry: CLV values their margin at this share of revenue.
    order_margin_pct: float = Field(default=30.0, ge=0, le=100)
    # Fewest customers in a cohort for its retention curve to be drawn.
    min_cohort: int = Field(default=3, ge=1, le=10_000)
    # Fewest customers (leads, opportunities) a figure of the types comparison, or a measured
    # parameter of the what-if simulation, may rest on; fewer: "too few to say" (the default).
    types_min_count: int = Field(default=5, ge=1, le=10_000)
    # A machine buyer attaches a service or digital offering bought within this many months.
    attach_months: int = Field(default=12, ge=1, le=120)


class AlertRule(BaseModel):
    """A machine alert that opens a service case: ``downs`` ``down`` states within ``hours``, or
    the newest reading of ``metric`` above (``above``) or below (``below``) ``value``."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    kind: Literal["downs", "above", "below"] = "downs"
    downs: int = Field(default=3, ge=1, le=1000)
    hours: float = Field(default=24.0, gt=0, le=24 * 366)
    metric: str | None = None
    value: float | None = None
    data_kind: Literal["status", "usage", "energy", "process"] = "process"  # of ``metric``
    skill: str | None = None  # the skill the case's work order asks for


class WorkSettings(BaseSettings):
    """Service work (``SERVITIZE_WORK_*``): alert rules, scheduling, preventive maintenance,
    photos."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_WORK_", extra="ignore")

    alert_rules: list[AlertRule] = Field(
        default_factory=lambda: [
            AlertRule(name="repeated_downs", kind="downs", downs=3, hours=24),
            AlertRule(name="hot_bearing", kind="above", metric="temperature_c", value=90.0),
        ]
    )
    # The purpose a machine alert reads telemetry for, under the account's agreement.
    alert_purpose: str = "service_offers"
    allow_weekends: bool = False
    day_start: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    day_end: str = Field(default="17:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    default_minutes: int = Field(default=120, ge=15, le=24 * 60)
    # Work orders of a preventive-maintenance plan are opened this many days before they fall due.
    plan_lead_days: int = Field(default=30, ge=0, le=366)
    photo_max_bytes: int = Field(default=800_000, ge=1024, le=50 * 1024 * 1024)
    photo_types: list[str] = Field(
        default_factory=lambda: ["image/jpeg", "image/png", "image/webp"]
    )


HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class BrandingSettings(BaseSettings):
    """How the customer portal and its documents look (``SERVITIZE_BRANDING_*``)."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_BRANDING_", extra="ignore")

    name: str = ""  # the company name customers read; empty: ``company_name``
    # A PNG, JPEG or SVG file shown at the top of every portal page and on customer PDFs.
    logo_file: Path | None = None
    primary_colour: str = Field(default="#1f4e79", pattern=HEX_COLOUR)
    accent_colour: str = Field(default="#e07b00", pattern=HEX_COLOUR)


class PortalSettings(BaseSettings):
    """The customer portal (``SERVITIZE_PORTAL_*``): invitations and the mail that sends them."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_PORTAL_", extra="ignore")

    invitation_days: int = Field(default=7, ge=1, le=90)
    # smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty: the link is shown only.
    mail_url: str = ""
    mail_from: str = "portal@localhost"
    # The address customers open the portal at, for the links in mails (e.g. https://x.example).
    public_url: str = "http://127.0.0.1:8000"


class Settings(BaseSettings):
    """Everything an operator can configure; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/servitize.db"
    data_dir: Path = Path("var")
    secret_key: str = DEV_SECRET
    company_name: str = "Your service partner"
    # The manufacturer's postal address on documents the customer reads (quotes); "," or a
    # new line between its lines.
    company_address: str = ""
    company_currency: str = Field(default="EUR", min_length=3, max_length=3)
    # mqtt://host:1883 or mqtts://user:password@host:8883 (TLS: the CA that signed the broker's
    # certificate, and a client certificate and key when the broker asks for one).
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_ca_file: Path | None = None
    mqtt_cert_file: Path | None = None
    mqtt_key_file: Path | None = None
    # Bounds on one MQTT message (larger payloads and longer text fields are dead letters).
    telemetry_max_payload_bytes: int = Field(default=64 * 1024, ge=256, le=256 * 1024 * 1024)
    telemetry_max_field_chars: int = Field(default=200, ge=8, le=100_000)
    # A machine silent longer than this has a telemetry gap (0: only sequence gaps are shown).
    telemetry_expected_interval_s: int = Field(default=0, ge=0)
    session_max_age_s: int = 12 * 3600
    # The shortest password accepted anywhere one is set (pages, API, CLI; trust.password_policy).
    password_min_length: int = Field(default=12, ge=8, le=200)
    page_size_max: int = 500
    stale_record_years: int = 3
    import_chunk_rows: int = 50_000
    # The share of this machine's memory the batch's DuckDB may hold before it spills to disk
    # (under the batch's output folder); the rest is left to Python, Arrow and the system.
    batch_memory_share: float = Field(default=0.5, ge=0.05, le=0.9)
    # The largest request body the web server reads (JSON API, forms); larger answers 413.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Dates outside these years are rejected with a reason (imports, forms, API, telemetry).
    date_min_year: int = Field(default=1900, ge=1, le=9999)
    date_max_year: int = Field(default=2100, ge=1, le=9999)
    # Web server processes (`servitize serve`; one per core in production) and the requests
    # each runs at once (its thread pool). Few threads per process and a process per core keep
    # Python threads from queueing on one lock under load: at 20 concurrent users on two
    # cores, 2 x 2 answered the account 360 with p95 ~130 ms, 2 x 4 ~150 ms, 1 x 40 ~400 ms.
    web_workers: int = Field(default=1, ge=1, le=64)
    web_threads: int = Field(default=2, ge=1, le=100)

    # Strict-Transport-Security on every answer, for a server behind TLS (0: not sent).
    hsts_max_age_s: int = Field(default=0, ge=0, le=2 * 365 * 24 * 3600)

    # The capabilities' sections, each read from its own prefix.
    field: FieldSettings = Field(default_factory=FieldSettings)
    intelligence: IntelligenceSettings = Field(default_factory=IntelligenceSettings)
    sales: SalesSettings = Field(default_factory=SalesSettings)
    offers: OffersSettings = Field(default_factory=OffersSettings)
    value: ValueSettings = Field(default_factory=ValueSettings)
    kpis: KpiSettings = Field(default_factory=KpiSettings)
    branding: BrandingSettings = Field(default_factory=BrandingSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    org_types: OrgTypesSettings = Field(default_factory=OrgTypesSettings)
    work: WorkSettings = Field(default_factory=WorkSettings)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SERVITIZE_SECRET_KEY must be set to a real secret in production")
        if self.environment == "production" and len(self.secret_key) < SECRET_MIN_LENGTH:
            raise ValueError(
                f"SERVITIZE_SECRET_KEY must have at least {SECRET_MIN_LENGTH} characters in "
                f"production (it has {len(self.secret_key)}); for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @property
    def development_secret(self) -> bool:
        """Whether session cookies are signed with the published development secret: anybody
        can forge them, so such a server may only listen on the loopback address."""
        return self.secret_key == DEV_SECRET

    @property
    def telemetry_dir(self) -> Path:
        """Where Parquet telemetry partitions live."""
        return self.data_dir / "telemetry"
