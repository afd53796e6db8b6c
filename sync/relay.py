"""Rooms across processes: each room document's updates go through one Redis stream.

Every accepted update is appended (XADD) to the document's stream with this process's id;
every process with the document loaded reads the stream (XREAD BLOCK) and applies and
relays to its own clients the entries it did not write. A process that loads a document
reads the latest snapshot plus the stream after it (`sync.redis_store`). One process at a
time (a lease, SET NX PX, renewed) folds the stream into that snapshot and trims it.

Awareness crosses processes on pub/sub (short-lived, never stored). Poses do not: the pose
channel needs sticky routing (see docs/deploy.md).

Redis may go away at any moment. Local clients keep being served; a document whose
publish failed, or whose reader lost the connection, republishes its full state (one
idempotent Yjs update) once Redis answers again, so every room converges without a
replay buffer that could grow without bound.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from sync.redis_store import RedisDocuments

if TYPE_CHECKING:
    from sync.document import LayerDocument

log = logging.getLogger("readingroom.sync")

_BLOCK_MS = 1000
_READ_COUNT = 500
_MAX_BACKOFF = 5.0
_AWARENESS_STATE = b"s"
_AWARENESS_QUERY = b"q"
_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


@dataclass(eq=False)
class _Link:
    doc: LayerDocument
    last_id: bytes = b"0-0"
    since_compact: int = 0
    task: asyncio.Task[None] | None = None
    stale: bool = False  # Redis may lack some of this document: republish its state
    closed: bool = False


@dataclass(eq=False)
class _Outgoing:
    key: str
    update: bytes | None = None
    awareness: bytes | None = None
    links: list[_Link] = field(default_factory=list)


class RedisRelay:
    """One per process; documents attach when loaded and detach when unloaded."""

    def __init__(self, redis: aioredis.Redis, compact_after: int, lease_ms: int = 15000) -> None:
        self._redis = redis
        self.origin = uuid.uuid4().hex.encode()
        self._store = RedisDocuments(redis, self.origin, lease_ms)
        self._compact_after = compact_after
        self._links: dict[str, _Link] = {}
        self._outbox: deque[_Outgoing] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.up = True
        self._stopping = False

    def stopping(self) -> bool:
        return self._stopping

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._publish_loop()), loop.create_task(self._listen())]

    async def stop(self) -> None:
        links = list(self._links.values())
        self._links.clear()
        for link in links:
            link.closed = True
        self._stopping = True
        await _end([link.task for link in links if link.task is not None])
        self._wake.set()
        await _end(self._tasks)
        self._tasks = []

    # Documents

    async def attach(self, doc: LayerDocument) -> None:
        """Bring a freshly loaded document up to date with Redis and follow its stream.
        What the local store held and Redis lacks (Redis lost data) is published."""
        link = _Link(doc)
        try:
            loaded = await self._store.load(doc.key)
        except _FAILURES:
            log.warning("Redis is unreachable; a room document starts from the local store")
            link.stale = True
            self.up = False
        else:
            remote_state = doc.apply_remote_history(loaded.updates)
            link.last_id = loaded.last_id
            link.since_compact = len(loaded.updates)
            link.stale = doc.holds_more_than(remote_state)
        self._links[doc.key] = link
        link.task = asyncio.get_running_loop().create_task(self._read(link))
        if link.stale:
            self._wake.set()
        self._queue(_Outgoing(doc.key, awareness=_AWARENESS_QUERY))

    async def detach(self, doc: LayerDocument) -> None:
        link = self._links.get(doc.key)
        if link is None or link.doc is not doc:
            return
        del self._links[doc.key]
        link.closed = True
        if link.task is not None:
            await _end([link.task])

    def publish(self, key: str, update: bytes) -> None:
        link = self._links.get(key)
        if link is None:
            return
        if not self.up:
            link.stale = True
            return
        self._queue(_Outgoing(key, update=update, links=[link]))

    def publish_awareness(self, key: str, payload: bytes) -> None:
        if self.up and key in self._links:
            self._queue(_Outgoing(key, awareness=_AWARENESS_STATE + payload))

    def _queue(self, item: _Outgoing) -> None:
        self._outbox.append(item)
        self._wake.set()

    # Writing

    async def _publish_loop(self) -> None:
        backoff = 0.1
        while not self.stopping():
            await self._wake.wait()
            self._wake.clear()
            batch = list(self._outbox)
            self._outbox.clear()
            stale = [link for link in self._links.values() if link.stale]
            for link in stale:
                link.stale = False
                batch.append(
                    _Outgoing(link.doc.key, update=link.doc.doc.get_update(), links=[link])
                )
            if not batch:
                continue
            try:
                await self._store.send(
                    [(o.key, o.update) for o in batch if o.update is not None],
                    [(o.key, o.awareness) for o in batch if o.awareness is not None],
                )
            except _FAILURES:
                _reraise_if_cancelled()
                if self.stopping():
                    return
                self._went_down()
                for item in batch:
                    for link in item.links:
                        link.stale = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                self._wake.set()
                continue
            backoff = 0.1
            if not self.up:
                log.warning("Redis answers again; room documents resynchronised")
            self.up = True

    def _went_down(self) -> None:
        if self.up:
            log.warning("Redis is unreachable; serving local clients and retrying")
        self.up = False

    # Reading

    async def _read(self, link: _Link) -> None:
        backoff = 0.1
        key = link.doc.key
        while not link.closed:
            try:
                entries = await self._store.read(key, link.last_id, _BLOCK_MS, _READ_COUNT)
            except _FAILURES:
                _reraise_if_cancelled()
                if self.stopping():
                    return
                self._went_down()
                link.stale = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            if backoff > 0.1:
                backoff = 0.1
                self._wake.set()  # republish what Redis may have missed
            if _closed(link):
                return
            for entry_id, origin, update in entries:
                link.last_id = entry_id
                if origin != self.origin:
                    link.doc.apply_remote(update)
            link.since_compact += len(entries)
            if link.since_compact >= self._compact_after:
                await self._maybe_compact(link)

    async def _maybe_compact(self, link: _Link) -> None:
        """Fold the stream into a snapshot if this process holds the document's lease.
        The snapshot holds every entry up to `last_id` (all were applied here)."""
        try:
            if await self._store.compact(link.doc.key, link.doc.doc.get_update(), link.last_id):
                link.since_compact = 0
            else:
                link.since_compact = self._compact_after // 2
        except _FAILURES:
            _reraise_if_cancelled()
            link.stale = True

    async def _listen(self) -> None:
        backoff = 0.1
        while not self.stopping():
            try:
                async for origin, key, payload in self._store.awareness(self.stopping):
                    backoff = 0.1
                    if origin == self.origin:
                        continue
                    link = self._links.get(key)
                    if link is None:
                        continue
                    if payload[:1] == _AWARENESS_QUERY:
                        snapshot = link.doc.local_awareness()
                        if snapshot is not None:
                            self.publish_awareness(key, snapshot)
                    elif payload[:1] == _AWARENESS_STATE:
                        link.doc.apply_remote_awareness(payload[1:])
            except _FAILURES:
                _reraise_if_cancelled()
                if self.stopping():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)

    def status(self) -> dict[str, Any]:
        return {"up": self.up, "documents": len(self._links)}


def _reraise_if_cancelled() -> None:
    """redis-py may turn a cancellation into a connection error; a task being stopped
    must stop, not retry."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _end(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for tasks told to stop by their flag: each ends within one blocking read.
    Cancelling is the last resort, as redis-py drops a connection cancelled mid-command
    without closing it (and on 3.11 may turn the cancellation into a timeout)."""
    grace = _BLOCK_MS / 1000 + 2.0
    done, pending = await asyncio.wait(tasks, timeout=grace) if tasks else (set(), set())
    tasks = list(pending)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("a Redis relay task failed", exc_info=task.exception())
    for task in tasks:
        task.cancel()
    while tasks:
        done, pending = await asyncio.wait(tasks, timeout=1.0)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("a Redis relay task failed", exc_info=task.exception())
        tasks = list(pending)
        for task in tasks:
            task.cancel()


def _closed(link: _Link) -> bool:
    return link.closed
