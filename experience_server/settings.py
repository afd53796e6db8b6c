"""The one settings object: every `READINGROOM_*` environment variable, documented in
docs/settings.md (a test fails when one is missing there)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read once when the app or a CLI command starts; never at import time."""

    model_config = SettingsConfigDict(env_prefix="READINGROOM_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where everything embedded lives.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    redis_url: str | None = None

    token_issuer: str = "readingroom"
    token_audience: str = "readingroom"
    token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    embedded_issuer: bool = True

    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_role_claim: str = "roles"
    oidc_name_claim: str = "name"
    oidc_default_role: Literal["guest", "reader", "teacher", "librarian", "admin"] = "reader"
    oidc_jwks_cache_seconds: int = Field(default=300, ge=0)

    max_upload_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=10_000, gt=0)
    max_page_pixels: int = Field(default=2048 * 2048 * 4, gt=0)
    render_timeout_seconds: float = Field(default=30.0, gt=0)
    render_workers: int = Field(default=0, ge=0)

    sync_flush_interval_ms: int = Field(default=50, ge=1, le=1000)
    sync_compact_after_updates: int = Field(default=1000, ge=10)
    sync_max_message_bytes: int = Field(default=1024 * 1024, ge=1024)
    sync_max_updates_per_second: float = Field(default=200.0, gt=0)
    sync_max_document_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    sync_peer_queue_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    sync_awareness_hz: float = Field(default=15.0, gt=0, le=60)
    sync_idle_unload_seconds: float = Field(default=30.0, ge=0)

    rfid_readers: Path | None = None
    sip2_address: str | None = None
    sip2_institution: str = ""
    sip2_timeout_seconds: float = Field(default=2.0, gt=0)

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
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"
