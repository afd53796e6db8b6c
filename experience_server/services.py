"""What the lifespan builds and the routers use: clients, stores and verifiers, each made
once per app (never at import time) and handed out through FastAPI dependencies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from assets.store import AssetStore
from catalog_adapter.errors import RecordNotFoundError
from catalog_adapter.item_lookup import CatalogItemLookup, ItemLookup
from catalog_adapter.location import LocationService
from catalog_adapter.rfid_intake import RfidIntake
from catalog_adapter.service import Library, LibraryConfig
from experience_server.audit import AuditLog
from experience_server.auth.embedded import EmbeddedIssuer, load_or_create_secret
from experience_server.auth.oidc import OidcVerifier
from experience_server.auth.roles import Role
from experience_server.auth.verifier import TokenVerifier
from experience_server.books.access import LicenceBookAccess
from experience_server.books.service import BooksService, open_library
from experience_server.database import Database
from experience_server.location_wiring import open_location
from experience_server.observability import Metrics
from experience_server.placements import placement_source
from experience_server.privacy import PersonalDataRegistry
from experience_server.rooms.service import RoomService
from experience_server.rooms.store import RoomStore
from experience_server.sessions_wiring import open_sessions
from experience_server.settings import Settings
from scenes.preview.renderer import PreviewRenderer
from sync.poses import PoseConfig, PoseHub
from sync.service import SessionService

if TYPE_CHECKING:  # redis-py is imported only when Redis is configured
    import redis.asyncio as aioredis

    from sync.poses.relay import RedisPoseRelay


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
    library: Library
    privacy: PersonalDataRegistry
    poses: PoseHub
    books: BooksService
    rooms: RoomService
    sessions: SessionService
    audit: AuditLog
    started_at: float = field(default_factory=time.time)
    counters: dict[str, Callable[[], int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """What the server holds, by kind; each package registers its own counter."""
        return {name: counter() for name, counter in sorted(self.counters.items())}


log = logging.getLogger("readingroom.services")
RETENTION_SWEEP_SECONDS = 3600.0


def build_library(settings: Settings) -> Library:
    """The catalog, recommendations and reading history (also used by the CLI)."""
    return Library(
        LibraryConfig(
            database=settings.database_path,
            patron_key=settings.patron_key_path,
            catalog=settings.catalog,
            sru_url=settings.sru_url,
            timeout_seconds=settings.catalog_timeout_seconds,
            default_licence=settings.catalog_default_licence,
            also_borrowed_min_patrons=settings.also_borrowed_min_patrons,
            history_retention_days=settings.history_retention_days,
        )
    )


async def _retention_sweeps(library: Library, stopping: asyncio.Event) -> None:
    """Forget reading history and loans past retention: at start, then hourly. Stops only
    between sweeps: a sweep runs in a thread on the catalog's connections, which must not
    be closed under it."""
    while not stopping.is_set():
        try:
            purged = await asyncio.to_thread(library.purge_expired)
            log.info("retention sweep: %s", purged)
        except Exception:
            log.exception("retention sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RETENTION_SWEEP_SECONDS)


def licence_lookup(library: Library) -> Callable[[str], str | None]:
    """The licence on the catalog record linked to a book; None when no record links to it."""

    def licence(book_id: str) -> str | None:
        try:
            return library.record_for_book(book_id).licence
        except RecordNotFoundError:
            return None

    return licence


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
            # Imported only when configured: redis-py costs a process about 17 MB.
            import redis.asyncio as aioredis

            from sync.poses.relay import RedisPoseRelay, pose_redis_client
            from sync.redis_client import LostAwareConnection

            redis_client = aioredis.Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=2.0,
                socket_timeout=5.0,
                connection_class=LostAwareConnection,
            )
            stack.push_async_callback(redis_client.aclose)
        location = await open_location(settings, stack)
        library = await asyncio.to_thread(build_library, settings)
        stack.callback(library.close)
        privacy = PersonalDataRegistry()
        privacy.register("catalog", library)
        stopping = asyncio.Event()
        sweeper = asyncio.create_task(_retention_sweeps(library, stopping))

        async def stop_sweeps() -> None:
            stopping.set()
            await asyncio.shield(sweeper)

        stack.push_async_callback(stop_sweeps)
        pose_relay: RedisPoseRelay | None = None
        if settings.redis_url:
            # Its own client: pose traffic (30 messages a second a room) stays off the
            # connections the room documents use; closed after the hub has stopped.
            pose_redis = pose_redis_client(settings.redis_url)
            stack.push_async_callback(pose_redis.aclose)
            pose_relay = RedisPoseRelay(pose_redis)
        poses = PoseHub(
            PoseConfig(
                tick_hz=settings.pose_tick_hz,
                near_m=settings.pose_near_m,
                far_hz=min(settings.pose_far_hz, settings.pose_tick_hz),
                max_rate_hz=settings.pose_max_rate_hz,
                max_room_users=settings.pose_max_room_users,
                guests_send=settings.pose_guests_send,
            ),
            bus=pose_relay,
        )
        stack.push_async_callback(poses.aclose)
        book_library = stack.enter_context(open_library(settings, assets))
        rooms = await stack.enter_async_context(open_rooms(settings, assets))
        sessions = await open_sessions(settings, stack)
        audit = AuditLog(settings.database_path)
        stack.callback(audit.close)
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
            item_lookup=CatalogItemLookup(library.store),
            library=library,
            privacy=privacy,
            poses=poses,
            books=BooksService(
                book_library,
                assets,
                LicenceBookAccess(
                    licence_lookup(library),
                    settings.catalog_default_licence,
                    settings.onsite_networks,
                ),
            ),
            rooms=rooms,
            sessions=sessions,
            audit=audit,
        )
        services.counters["rooms"] = rooms.store.count
        services.counters["assets"] = assets.count
        services.counters["books"] = book_library.count
        services.counters["copies_on_rfid_shelves"] = location.ledger.count
        services.counters["catalog_records"] = library.store.count
        services.counters["loans"] = library.circulation.count
        services.counters["pose_rooms"] = lambda: poses.rooms
        services.counters["pose_connections"] = lambda: poses.stats.connections
        services.counters["pose_snapshots_skipped"] = lambda: poses.stats.skipped
        services.counters["pose_late_ticks"] = lambda: poses.stats.late_ticks
        services.counters["pose_remote_members"] = lambda: poses.remote_members
        services.counters["live_rooms"] = sessions.room_count
        services.counters["audit_entries"] = audit.count
        yield services


@asynccontextmanager
async def open_rooms(settings: Settings, assets: AssetStore) -> AsyncIterator[RoomService]:
    """The room store, the placement source and the preview worker (started on the first
    preview or readiness check: /readyz then reports it ready, or why it cannot render)."""
    store = RoomStore(settings.database_path)
    store.open()
    previews = PreviewRenderer(
        assets.root / "tmp",
        enabled=settings.previews,
        display=settings.preview_display,
        timeout=settings.preview_timeout_seconds,
    )
    rooms = RoomService(
        store, assets, placement_source(settings), previews, max_books=settings.room_max_books
    )
    try:
        if settings.seed_rooms:
            await asyncio.to_thread(rooms.seed)
        yield rooms
    finally:
        await rooms.aclose()
        store.close()
