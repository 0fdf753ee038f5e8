"""Settings read from the environment (prefix ``SERVITIZE_``); they fail fast on bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "servitize-development-secret-change-me"
SECRET_MIN_LENGTH = 32


class Settings(BaseSettings):
    """Everything an operator can configure; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="SERVITIZE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/servitize.db"
    data_dir: Path = Path("var")
    secret_key: str = DEV_SECRET
    company_name: str = "Your service partner"
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
    page_size_max: int = 500
    stale_record_years: int = 3
    import_chunk_rows: int = 50_000
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
