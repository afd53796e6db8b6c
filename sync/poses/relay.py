"""The pose bus over Redis pub/sub: one channel per room (`rr:pose:{room}`), nothing stored.

Each process SUBSCRIBEs to the channels of the rooms it has local connections in, rather
than PSUBSCRIBE to every room: poses flow 30 times a second, and a pattern would have Redis
send every process every room of the deployment, most of which it would drop. A
subscription changes only when a room opens or closes here, which is rare.

Two tasks, each owning its connection: the publisher sends queued messages in order in one
pipeline (one connection, so other processes read a room's messages in the order they were
published); the listener reads the pub/sub connection and applies subscription changes
between reads (redis-py's pub/sub must not be written while another task reads it).

Redis may go away at any moment. Local clients never notice: the hub keeps ticking, and
while the link is down nothing is queued. Both tasks retry with backoff (0.1 s doubling to
5 s); once Redis answers, the federation re-announces every room and sends every pose
again, and other processes are asked to do the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from sync.poses.envelope import channel_name
from sync.poses.federation import BusListener
from sync.redis_client import relay_client

log = logging.getLogger("readingroom.sync.poses")

_FIRST_BACKOFF = 0.1
_MAX_BACKOFF = 5.0
_POLL_SECONDS = 0.1
_STOP_SECONDS = 2.0
_FAILURES = (RedisError, OSError, asyncio.TimeoutError)
_PREFIX = channel_name("")


def pose_redis_client(url: str) -> aioredis.Redis:
    """A client for the relay alone: short timeouts and no retries inside redis-py, so a
    dead Redis shows at once and the relay's own backoff decides when to try again. The
    caller closes it (`await client.aclose()`) after the relay has stopped."""
    return relay_client(url, connect_timeout=1.0, timeout=2.0)


class RedisPoseRelay:
    """A `sync.poses.federation.PoseBus` on a redis.asyncio client the caller owns (and
    closes after `stop`); the relay closes every pub/sub connection it opened."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._listener: BusListener | None = None
        self._queue: deque[tuple[str, bytes]] = deque()
        self._sending = False
        self._up = True
        self._reported_down = False
        self._wanted: set[str] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, listener: BusListener) -> None:
        self._listener = listener
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._publish_loop(), name="pose-relay-publish"),
            loop.create_task(self._listen_loop(), name="pose-relay-listen"),
        ]

    def idle(self) -> bool:
        return self._up and not self._sending and not self._queue

    def publish(self, messages: Sequence[tuple[str, bytes]]) -> None:
        if self._up and not self._stopping.is_set():
            self._queue.extend(messages)
            self._wake.set()

    def follow(self, room: str) -> None:
        self._wanted.add(room)
        self._changed.set()

    def unfollow(self, room: str) -> None:
        self._wanted.discard(room)
        self._changed.set()

    async def stop(self) -> None:
        """Send what is queued (the federation's goodbyes) for up to a couple of seconds,
        then end both tasks; each closes its connection on the way out."""
        self._stopping.set()
        self._wake.set()
        self._changed.set()
        tasks, self._tasks = self._tasks, []
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=_STOP_SECONDS)
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.error("pose relay: a task failed", exc_info=outcome)

    # Publishing

    async def _publish_loop(self) -> None:
        while True:
            if not self._queue:
                if self._stopping.is_set():
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            batch = list(self._queue)
            self._queue.clear()
            self._sending = True
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for room, data in batch:
                        pipe.publish(channel_name(room), data)
                    await pipe.execute()
            except _FAILURES as exc:
                _reraise_if_cancelled()
                self._up = False
                self._queue.clear()
                self._report_down(exc)
                if not await self._recover():
                    return
            finally:
                self._sending = False

    async def _recover(self) -> bool:
        """Ping with backoff until Redis answers (True), or until stopped (False)."""
        backoff = _FIRST_BACKOFF
        while not await self._pause(backoff):
            try:
                await self._redis.ping()
            except _FAILURES:
                _reraise_if_cancelled()
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            self._up = True
            self._report_up()
            if self._listener is not None:
                self._listener.resync()
            return True
        return False

    # Listening

    async def _listen_loop(self) -> None:
        backoff = _FIRST_BACKOFF
        pubsub: PubSub | None = None
        subscribed: set[str] = set()
        try:
            while not self._stopping.is_set():
                if not self._wanted:
                    if pubsub is not None:
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                        pubsub, subscribed = None, set()
                    await self._changed.wait()
                    self._changed.clear()
                    continue
                try:
                    if pubsub is None:
                        pubsub = self._redis.pubsub()
                    subscribed = await self._sync_subscriptions(pubsub, subscribed)
                    message = await pubsub.get_message(timeout=_POLL_SECONDS)
                except _FAILURES as exc:
                    _reraise_if_cancelled()
                    if pubsub is not None:
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                    pubsub, subscribed = None, set()
                    self._report_down(exc)
                    if await self._pause(backoff):
                        return
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    continue
                if backoff > _FIRST_BACKOFF:
                    backoff = _FIRST_BACKOFF
                    if self._up:
                        self._report_up()
                if message is not None:
                    try:
                        self._dispatch(message)
                    except Exception:
                        log.exception("pose relay: a message could not be applied")
        finally:
            if pubsub is not None:
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _sync_subscriptions(self, pubsub: PubSub, subscribed: set[str]) -> set[str]:
        if self._wanted == subscribed:
            return subscribed
        self._changed.clear()
        wanted = set(self._wanted)
        added = wanted - subscribed
        removed = subscribed - wanted
        if added:
            await pubsub.subscribe(*(channel_name(room) for room in sorted(added)))
        if removed:
            await pubsub.unsubscribe(*(channel_name(room) for room in sorted(removed)))
        return wanted

    def _dispatch(self, message: dict[str, object]) -> None:
        channel = message.get("channel")
        name = channel.decode() if isinstance(channel, bytes) else str(channel)
        room = name[len(_PREFIX) :]
        listener = self._listener
        if listener is None or room not in self._wanted:
            return
        kind = message.get("type")
        data = message.get("data")
        if kind == "message" and isinstance(data, bytes):
            listener.deliver(room, data)
        elif kind == "subscribe":
            listener.followed(room)

    # Shared

    async def _pause(self, seconds: float) -> bool:
        """Sleep, waking early when stopped; True when stopped."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return False
        return True

    def _report_down(self, exc: BaseException) -> None:
        if not self._reported_down:
            self._reported_down = True
            log.warning(
                "pose relay: Redis is unreachable (%s); local poses go on, retrying",
                type(exc).__name__,
            )

    def _report_up(self) -> None:
        if self._reported_down:
            self._reported_down = False
            log.warning("pose relay: Redis answers again; rooms re-announced")


def _reraise_if_cancelled() -> None:
    """redis-py may turn a cancellation into a connection error; a task being stopped must
    stop, not retry."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
