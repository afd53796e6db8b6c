"""Builds the live-session service from settings for the lifespan: its limits, its store
on the embedded SQLite database and, with READINGROOM_REDIS_URL, the relay that lets rooms
span processes."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from experience_server.database import connect
from experience_server.settings import Settings
from sync.limits import Limits
from sync.service import SessionService
from sync.store import SessionStore

if TYPE_CHECKING:  # redis-py is imported only when Redis is configured
    from sync.relay import RedisRelay


def session_limits(settings: Settings) -> Limits:
    rate = settings.sync_max_updates_per_second
    return Limits(
        max_message_bytes=settings.sync_max_message_bytes,
        updates_per_second=rate,
        update_burst=max(1, int(rate * 2)),
        max_document_bytes=settings.sync_max_document_bytes,
        peer_queue_bytes=settings.sync_peer_queue_bytes,
        awareness_hz=settings.sync_awareness_hz,
        flush_interval=settings.sync_flush_interval_ms / 1000,
        compact_after_updates=settings.sync_compact_after_updates,
        idle_unload_seconds=settings.sync_idle_unload_seconds,
        stalled_send_seconds=settings.ws_ping_interval_seconds + settings.ws_ping_timeout_seconds,
    )


async def open_sessions(settings: Settings, stack: AsyncExitStack) -> SessionService:
    """Started now, stopped (documents compacted, store flushed) when `stack` closes."""
    limits = session_limits(settings)
    # With Redis, `serve --workers N` processes share the data directory's database.
    store = SessionStore(
        lambda: connect(settings.database_path),
        limits.flush_interval,
        shared=bool(settings.redis_url),
    )
    relay: RedisRelay | None = None
    if settings.redis_url:
        # Imported only when configured: redis-py costs a process about 17 MB.
        from sync.redis_client import relay_client
        from sync.relay import RedisRelay

        # Its own client (the relay's blocking XREAD holds one connection), with no retries
        # inside redis-py: the relay's own backoff and resync decide what happens next.
        redis = relay_client(settings.redis_url, connect_timeout=2.0, timeout=5.0)
        stack.push_async_callback(redis.aclose)
        lag = settings.redis_trim_lag_seconds
        relay = RedisRelay(
            redis,
            limits.compact_after_updates,
            store,
            lease_ms=round(settings.redis_lease_seconds * 1000),
            trim_lag_ms=round(lag * 1000),
            check_seconds=min(10.0, lag / 6),
        )
    sessions = SessionService(store, limits, relay)
    await sessions.start()
    stack.push_async_callback(sessions.stop)
    return sessions
