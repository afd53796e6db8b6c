"""What the lifespan builds and the routers use: clients, stores and verifiers, each made
once per app (never at import time) and handed out through FastAPI dependencies."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import httpx
import redis.asyncio as aioredis

from assets.store import AssetStore
from catalog_adapter.item_lookup import InMemoryItemLookup, ItemLookup
from catalog_adapter.location import LocationService
from catalog_adapter.rfid_intake import RfidIntake
from experience_server.auth.embedded import EmbeddedIssuer, load_or_create_secret
from experience_server.auth.oidc import OidcVerifier
from experience_server.auth.roles import Role
from experience_server.auth.verifier import TokenVerifier
from experience_server.database import Database
from experience_server.location_wiring import open_location
from experience_server.observability import Metrics
from experience_server.settings import Settings


@dataclass
class Services:
    settings: Settings
    database: Database
    assets: AssetStore
    issuer: EmbeddedIssuer | None
    verifier: TokenVerifier
    http: httpx.AsyncClient
    redis: aioredis.Redis | None
    metrics: Metrics
    rfid: RfidIntake
    location: LocationService
    item_lookup: ItemLookup
    started_at: float = field(default_factory=time.time)
    counters: dict[str, Callable[[], int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """What the server holds, by kind; each package registers its own counter."""
        return {name: counter() for name, counter in sorted(self.counters.items())}


def build_issuer(settings: Settings) -> EmbeddedIssuer:
    secret = load_or_create_secret(settings.secret_path)
    return EmbeddedIssuer(
        secret, settings.token_issuer, settings.token_audience, settings.token_ttl_seconds
    )


@asynccontextmanager
async def open_services(settings: Settings, metrics: Metrics) -> AsyncIterator[Services]:
    async with AsyncExitStack() as stack:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(settings.database_path)
        database.open()
        stack.callback(database.close)
        assets = AssetStore(settings.assets_dir)
        assets.open()
        http = await stack.enter_async_context(httpx.AsyncClient())
        issuer = build_issuer(settings) if settings.embedded_issuer else None
        oidc = None
        if settings.oidc_jwks_url and settings.oidc_issuer and settings.oidc_audience:
            oidc = OidcVerifier(
                jwks_url=settings.oidc_jwks_url,
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience,
                role_claim=settings.oidc_role_claim,
                name_claim=settings.oidc_name_claim,
                default_role=Role.parse(settings.oidc_default_role),
                cache_seconds=settings.oidc_jwks_cache_seconds,
                http=http,
            )
        redis_client = None
        if settings.redis_url:
            redis_client = aioredis.Redis.from_url(
                settings.redis_url, socket_connect_timeout=2.0, socket_timeout=5.0
            )
            stack.push_async_callback(redis_client.aclose)
        location = await open_location(settings, stack)
        services = Services(
            settings=settings,
            database=database,
            assets=assets,
            issuer=issuer,
            verifier=TokenVerifier(issuer, oidc),
            http=http,
            redis=redis_client,
            metrics=metrics,
            rfid=location.rfid,
            location=location.location,
            # The catalog adapter replaces this with its record -> copies lookup.
            item_lookup=InMemoryItemLookup(),
        )
        services.counters["assets"] = assets.count
        services.counters["copies_on_rfid_shelves"] = location.ledger.count
        yield services
