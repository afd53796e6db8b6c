"""The one settings object: every `READINGROOM_*` environment variable, documented in
docs/settings.md (a test fails when one is missing there)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from catalog_adapter.licences import parse_licence


class Settings(BaseSettings):
    """Read once when the app or a CLI command starts; never at import time."""

    model_config = SettingsConfigDict(env_prefix="READINGROOM_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where everything embedded lives.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    redis_url: str | None = None
    redis_trim_lag_seconds: float = Field(default=60.0, ge=1, le=3600)
    redis_lease_seconds: float = Field(default=15.0, ge=1, le=600)

    token_issuer: str = "readingroom"  # noqa: S105 (an issuer name, not a secret)
    token_audience: str = "readingroom"  # noqa: S105
    token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    embedded_issuer: bool = True

    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_role_claim: str = "roles"
    oidc_name_claim: str = "name"
    oidc_default_role: Literal["guest", "reader", "teacher", "librarian", "admin"] = "reader"
    oidc_jwks_cache_seconds: int = Field(default=300, ge=0)

    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=10_000, gt=0)
    max_page_pixels: int = Field(default=2048 * 2048 * 4, gt=0)
    render_timeout_seconds: float = Field(default=30.0, gt=0)
    render_workers: int = Field(default=0, ge=0)
    render_memory_bytes: int = Field(default=1024**3, ge=0)

    room_max_books: int = Field(default=5000, ge=1, le=50_000)
    placements_file: Path | None = None
    seed_rooms: bool = True
    previews: bool = True
    preview_display: str = Field(default="p3headlessgl", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    preview_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    sync_flush_interval_ms: int = Field(default=50, ge=1, le=1000)
    sync_compact_after_updates: int = Field(default=1000, ge=10)
    sync_max_message_bytes: int = Field(default=1024 * 1024, ge=1024)
    sync_max_updates_per_second: float = Field(default=200.0, gt=0)
    sync_max_document_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    sync_peer_queue_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    sync_awareness_hz: float = Field(default=15.0, gt=0, le=60)
    sync_idle_unload_seconds: float = Field(default=30.0, ge=0)
    ws_ping_interval_seconds: float = Field(default=20.0, gt=0, le=3600)
    ws_ping_timeout_seconds: float = Field(default=20.0, gt=0, le=3600)

    rfid_readers: Path | None = None
    rfid_debounce_seconds: float = Field(default=10.0, ge=0)
    rfid_departure_seconds: float = Field(default=120.0, gt=0)
    rfid_stale_seconds: float = Field(default=900.0, gt=0)
    sip2_address: str | None = None
    sip2_institution: str = ""
    sip2_timeout_seconds: float = Field(default=2.0, gt=0)
    sip2_user: str | None = None
    sip2_password: SecretStr | None = None
    sip2_location_code: str | None = None
    sip2_terminal_password: SecretStr | None = None
    sip2_encoding: str = "utf-8"
    sip2_checksums: bool = True
    sip2_cache_seconds: float = Field(default=30.0, ge=0)
    sip2_retry_seconds: float = Field(default=15.0, ge=0)

    @model_validator(mode="after")
    def _oidc_checks_issuer_and_audience(self) -> Settings:
        """A provider token for another app must never get in: with OIDC on, `iss` and
        `aud` are always checked, so both must be configured."""
        if self.oidc_jwks_url and not (self.oidc_issuer and self.oidc_audience):
            raise ValueError(
                "READINGROOM_OIDC_JWKS_URL needs READINGROOM_OIDC_ISSUER and "
                "READINGROOM_OIDC_AUDIENCE"
            )
        return self

    catalog: Literal["embedded", "sru"] = "embedded"
    sru_url: str | None = None
    catalog_timeout_seconds: float = Field(default=10.0, gt=0)
    catalog_default_licence: str = "campus"
    also_borrowed_min_patrons: int = Field(default=5, ge=2)
    history_retention_days: int = Field(default=180, ge=1)

    @field_validator("catalog_default_licence")
    @classmethod
    def _licence(cls, value: str) -> str:
        return parse_licence(value)

    onsite_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="The experience zone's networks (CIDR, comma-separated): where `onsite` "
        "licensed books may be read.",
    )

    @field_validator("onsite_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    pose_tick_hz: float = Field(
        default=30.0, gt=0, le=120, description="Pose snapshots sent to each client a second."
    )
    pose_near_m: float = Field(
        default=10.0, gt=0, description="Users within this distance on your floor: full rate."
    )
    pose_far_hz: float = Field(
        default=5.0, gt=0, description="Rate of users farther away or on another floor."
    )
    pose_max_rate_hz: float = Field(
        default=120.0, gt=0, description="Pose frames a client may send a second."
    )
    pose_max_room_users: int = Field(default=128, ge=1, le=255)
    pose_guests_send: bool = False

    @property
    def database_path(self) -> Path:
        return self.data_dir / "readingroom.sqlite3"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "token-secret"

    @property
    def patron_key_path(self) -> Path:
        """The HMAC key that turns patron and user ids into the hashes we store."""
        return self.data_dir / "patron-key"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"
