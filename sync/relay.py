"""Rooms across processes: each room document's updates go through one Redis stream.

Every accepted update is appended (XADD) to the document's stream with this process's id.
One reader task per process follows the streams of every document it has loaded in a
single XREAD BLOCK (plus a small wake stream of its own, so a newly loaded document is
followed at once), and applies and relays to its own clients the entries other processes
wrote. A process that loads a document reads the latest snapshot plus the stream after it
(`sync.redis_store`). One process at a time (a lease, SET NX PX, renewed) folds the stream
into that snapshot and trims it, a minute behind, so readers a little late lose nothing;
a reader later than that sees the stream's floor pass it and reloads. A room that goes
quiet is folded at the next check, and one unloaded here is folded as it goes (the lease
let go); every process sweeps the streams whose last entry left the trim lag, trimming
what their snapshots hold and folding the ones nobody follows any more (the lease holder
died as the others unloaded the room, or every process restarted), so a quiet or emptied
room's stream ends up empty.

Awareness crosses processes on pub/sub, one channel per document, subscribed while the
document is loaded here (short-lived, never stored).

Redis may go away at any moment. Local clients keep being served meanwhile. A document
whose publish failed, or any document once the reader lost its connection (Redis may have
restarted and lost its last second), is resynchronised when Redis answers again: the
process loads what Redis holds, relays what it lacked to its clients, and appends exactly
what Redis lacks (one Yjs update: the edits made while Redis was away, and anything Redis
lost), so every room converges with no buffer that could grow without bound.

Every update a process accepts is also marked in its SQLite database until Redis has held
it long enough to have written it to disk; the marks a dead process left are handed over
by the processes still running, or by it once restarted (`sync.handover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError, ResponseError

from sync.handover import ALIVE_EVERY, ALIVE_MS, Marks, missing_from
from sync.redis_store import (
    HANDOVER_ORIGIN,
    TRIM_LAG_MS,
    RedisDocuments,
    awareness_channel,
    log_key,
    split_awareness,
    stream_id,
)

if TYPE_CHECKING:
    from sync.document import LayerDocument
    from sync.store import SessionStore

log = logging.getLogger("readingroom.sync")

_BLOCK_MS = 1000
_READ_COUNT = 500
_MAX_BACKOFF = 5.0
# How often a process checks its readers against the floors, folds rooms gone quiet,
# sweeps the streams due for trimming and looks for marks of dead processes.
_CHECK_SECONDS = 10.0
_POLL_SECONDS = 0.1  # awareness: how soon a newly loaded document is subscribed
_AWARENESS_STATE = b"s"
_AWARENESS_QUERY = b"q"
_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


@dataclass(eq=False)
class _Link:
    doc: LayerDocument
    stream: str
    last_id: bytes = b"0-0"
    since_compact: int = 0
    resync: bool = False  # Redis and this process may each lack something: reload
    unloaded: bool = False  # followed only until Redis has what it lacked (see detach)
    checked: int = 0  # since_compact at the last periodic check (unchanged: quiet)


@dataclass(eq=False)
class _Outgoing:
    key: str
    update: bytes | None = None
    awareness: bytes | None = None
    links: list[_Link] = field(default_factory=list)
    seq: int = 0  # the update's mark (see sync.handover)
    whole: bool = False  # it holds everything the document had marked up to `seq`


class RedisRelay:
    """One per process; documents attach when loaded and detach when unloaded."""

    def __init__(
        self,
        redis: aioredis.Redis,
        compact_after: int,
        ledger: SessionStore,
        lease_ms: int = 15000,
        trim_lag_ms: int = TRIM_LAG_MS,
        check_seconds: float = _CHECK_SECONDS,
    ) -> None:
        self.origin = uuid.uuid4().hex.encode()
        self._store = RedisDocuments(redis, self.origin, lease_ms, trim_lag_ms)
        self._check_seconds = check_seconds
        self._ledger = ledger
        self._marks = Marks(ledger, self.origin.decode())
        self._compact_after = compact_after
        self._links: dict[str, _Link] = {}
        self._by_stream: dict[str, _Link] = {}
        self._outbox: deque[_Outgoing] = deque()
        self._leaving: list[_Link] = []  # unloaded here: fold and let the lease go
        self._wake_reader = False
        self._wake = asyncio.Event()
        self._wake_id = b"0-0"
        self._tasks: list[asyncio.Task[None]] = []
        self.up = True
        self._stopping = False

    def stopping(self) -> bool:
        return self._stopping

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._publish_loop(), name="redis-publish"),
            loop.create_task(self._read_loop(), name="redis-read"),
            loop.create_task(self._listen(), name="redis-awareness"),
        ]

    async def stop(self) -> None:
        """Hand Redis what is still queued, then end the tasks (the final pipeline also
        wakes the reader from its blocking read)."""
        self._stopping = True
        self._wake_reader = True
        self._wake.set()
        await _end(self._tasks)
        self._tasks = []
        held = [link.doc.key for link in self._links.values()]
        self._links.clear()
        self._by_stream.clear()
        self._leaving.clear()
        with contextlib.suppress(*_FAILURES, TimeoutError):
            async with asyncio.timeout(1.0):
                await self._store.forget_wake()
                await self._store.release(held)  # the next process compacts at once

    # Documents

    async def attach(self, doc: LayerDocument) -> None:
        """Bring a freshly loaded document up to date with Redis and follow its stream.
        What the local store held and Redis lacks (Redis lost data) is published."""
        link = _Link(doc, log_key(doc.key))
        try:
            if not self.up:  # no wait on a Redis known to be away: resync when it is back
                raise ConnectionError("Redis is down")
            history = await self._store.load(doc.key)
        except _FAILURES:
            log.warning("Redis is unreachable; a room document starts from the local store")
            self._went_down()
            link.resync = True
        else:
            missing = doc.merge_remote(history.updates)
            link.last_id = history.last_id
            link.since_compact = history.entries
            self._hand_over(link, missing)
        self._links[doc.key] = link
        self._by_stream[link.stream] = link
        self._wake_reader = True
        self._wake.set()

    def detach(self, doc: LayerDocument) -> None:
        """Stop following an unloaded document. One that Redis may lack edits of (made
        while Redis was away) stays until its resync has handed them over."""
        link = self._links.get(doc.key)
        if link is None or link.doc is not doc:
            return
        if link.resync:
            link.unloaded = True
            return
        self._drop(link)
        if self.up:
            self._leaving.append(link)
            self._wake_reader = True
            self._wake.set()

    def _drop(self, link: _Link) -> None:
        del self._links[link.doc.key]
        del self._by_stream[link.stream]

    def publish(self, key: str, update: bytes) -> None:
        """An update a client of this process made (already logged in SQLite)."""
        link = self._links.get(key)
        if link is None:
            return
        seq = self._marks.issue(key)
        if not self.up:
            self._marks.missed(key, seq)
            link.resync = True
            return
        self._queue(_Outgoing(key, update=update, links=[link], seq=seq))

    def _hand_over(self, link: _Link, missing: bytes | None) -> None:
        """After a merge with what Redis holds: queue what Redis lacks, marked first."""
        key = link.doc.key
        if missing is None:  # Redis holds all this document has
            self._marks.sent(key, self._marks.current(key), whole=True)
            return
        seq = self._marks.issue(key)
        self._queue(_Outgoing(key, update=missing, links=[link], seq=seq, whole=True))

    def publish_awareness(self, key: str, payload: bytes) -> None:
        if self.up and key in self._links:
            self._queue(_Outgoing(key, awareness=_AWARENESS_STATE + payload))

    def _queue(self, item: _Outgoing) -> None:
        self._outbox.append(item)
        self._wake.set()

    def _went_down(self) -> None:
        if self.up:
            log.warning("Redis is unreachable; serving local clients and retrying")
        self.up = False

    # Writing: every queued update and awareness message in one pipeline per wake-up

    async def _publish_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch = list(self._outbox)
            self._outbox.clear()
            wake, self._wake_reader = self._wake_reader, False
            if batch or wake:
                await self._send(batch, wake)
            if self.stopping() and not self._outbox:
                return

    async def _send(self, batch: list[_Outgoing], wake: bool) -> None:
        updates = [o for o in batch if o.update is not None]
        try:
            await self._store.send(
                [(o.key, o.update) for o in updates if o.update is not None],
                [(o.key, o.awareness) for o in batch if o.awareness is not None],
                wake=wake,
            )
        except Exception as exc:
            _reraise_if_cancelled()
            _log_unexpected(exc)
            self._went_down()
            for item in updates:
                self._marks.missed(item.key, item.seq)
            # Not retried here: the reader resynchronises these documents once Redis
            # answers, sending exactly what Redis then lacks; one unloaded meanwhile is
            # followed again until then.
            for item in batch:
                for link in item.links:
                    link.resync = True
                    if link.doc.key not in self._links:
                        link.unloaded = True
                        self._links[link.doc.key] = link
                        self._by_stream[link.stream] = link
            return
        for item in updates:
            self._marks.sent(item.key, item.seq, whole=item.whole)

    # Reading: one XREAD for every followed stream

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.1
        scheduled = False  # every room stream scheduled for a sweep (once, at start)
        next_check = loop.time()  # the first pass also hands over what the dead left
        next_alive = loop.time()
        while not self.stopping():
            try:
                await self._resync_marked()
                await self._leave()
                if loop.time() >= next_alive:
                    next_alive = loop.time() + ALIVE_EVERY
                    await self._store.heartbeat(ALIVE_MS)
                if not scheduled:
                    await self._store.schedule_streams()
                    scheduled = True
                if loop.time() >= next_check:
                    next_check = loop.time() + self._check_seconds
                    await self._check_floors()
                    await self._compact_quiet()
                    for key in await self._store.sweep():
                        await self._fold(key)
                    await self._hand_over_the_dead()
                self._marks.clear_due()
                streams = {self._store.wake_key: self._wake_id}
                streams.update((link.stream, link.last_id) for link in self._links.values())
                entries = await self._store.read(streams, _BLOCK_MS, _READ_COUNT)
            except Exception as exc:
                _reraise_if_cancelled()
                _log_unexpected(exc)
                if self.stopping():
                    return
                self._went_down()
                for link in self._links.values():
                    link.resync = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = 0.1
            if not self.up:
                log.warning("Redis answers again; room documents resynchronised")
                self.up = True
            touched: dict[str, _Link] = {}
            for entry in entries:
                if entry.stream == self._store.wake_key:
                    self._wake_id = entry.id
                    continue
                found = self._by_stream.get(entry.stream)
                if found is None or found.resync:
                    continue  # unloaded meanwhile, or about to be reloaded whole
                found.last_id = entry.id
                found.since_compact += 1
                if entry.origin != self.origin:
                    try:
                        found.doc.apply_remote(entry.update)
                    except Exception:
                        log.exception("an update from another process broke a document")
                        found.resync = True
                        continue
                touched[entry.stream] = found
            for link in touched.values():
                if link.since_compact >= self._compact_after and not self.stopping():
                    await self._maybe_compact(link)

    async def _resync_marked(self) -> None:
        for link in [link for link in self._links.values() if link.resync]:
            link.resync = False
            try:
                history = await self._store.load(link.doc.key)
            except _FAILURES:
                link.resync = True
                raise
            if self._links.get(link.doc.key) is not link:
                continue
            missing = link.doc.merge_remote(history.updates)
            link.last_id = history.last_id
            link.since_compact = history.entries
            if link.unloaded:  # hand Redis what it lacks now, then forget the document
                key = link.doc.key
                seq = self._marks.issue(key) if missing is not None else self._marks.current(key)
                if missing is not None:
                    try:
                        await self._store.send([(key, missing)], [])
                    except _FAILURES:
                        link.resync = True
                        raise
                self._marks.sent(key, seq, whole=True)
                self._drop(link)
            else:
                self._hand_over(link, missing)

    async def _hand_over_the_dead(self) -> None:
        """Documents that processes no longer alive left marked in the SQLite database this
        process uses: hand Redis what they hold that it lacks, then clear those marks once
        Redis has had it long enough. (Any process may do it; the result is the same.)"""
        own = self._marks.origin
        marks = [m for m in await self._ledger.unsynced() if m.origin != own]
        origins = sorted({m.origin for m in marks})
        if not origins:
            return
        alive = await self._store.alive(origins)
        dead = {o for o, up in zip(origins, alive, strict=True) if not up}
        for doc in sorted({m.doc for m in marks if m.origin in dead}):
            stored, found = await self._ledger.load_marked(doc)
            history = await self._store.load(doc)
            local = ([stored.snapshot] if stored.snapshot is not None else []) + stored.updates
            missing = missing_from(local, history.updates)
            if missing is not None:
                # Under an origin of no process, so this one applies it too if it has the
                # document loaded.
                await self._store.send([(doc, missing)], [], origin=HANDOVER_ORIGIN)
                log.warning("handed Redis the edits a stopped process left of a room document")
            for mark in found:
                if mark.origin in dead:
                    self._marks.clear_later(doc, mark.origin, mark.seq)

    async def _check_floors(self) -> None:
        """A reader that fell behind a compaction's trim reloads the document."""
        links = list(self._links.values())
        if not links:
            return
        floors = await self._store.floors([link.doc.key for link in links])
        for link, floor in zip(links, floors, strict=True):
            if floor is not None and stream_id(link.last_id) < stream_id(floor):
                link.resync = True

    async def _compact_quiet(self) -> None:
        """Fold the documents that had entries since their last compaction but none since
        the previous check: a room gone quiet is not left with a stream nobody folds."""
        for link in list(self._links.values()):
            if link.since_compact > 0 and link.since_compact == link.checked and not link.resync:
                await self._maybe_compact(link, quiet=True)
            link.checked = link.since_compact

    async def _fold(self, key: str) -> None:
        """A document whose stream holds entries no snapshot does, quiet for the trim lag,
        with nobody holding its lease: fold it here (through the loaded copy if this
        process has one)."""
        link = self._links.get(key)
        if link is None:
            try:
                await self._store.fold(key)
            except ResponseError as exc:  # this room's keys are broken, not Redis
                log.error("Redis refused to fold a room document: %s", exc)
        elif not link.resync:
            await self._maybe_compact(link, quiet=True)

    async def _leave(self) -> None:
        """Documents unloaded here: fold what came since the last compaction and let the
        lease go, so another process (or none) carries on without waiting for it."""
        leaving, self._leaving = self._leaving, []
        for link in leaving:
            if link.since_compact > 0:
                await self._maybe_compact(link, release=True)
            else:
                await self._store.release([link.doc.key])

    async def _maybe_compact(
        self, link: _Link, *, quiet: bool = False, release: bool = False
    ) -> None:
        """Fold the stream into a snapshot if this process holds the document's lease (or
        nobody does). The snapshot holds every entry up to `last_id` (all were applied
        here). While another process holds the lease, a busy document tries again after
        half the interval, a quiet one at the next check."""
        key = link.doc.key
        try:
            if await self._store.lease_elsewhere(key):
                done = 0
            else:
                snapshot = link.doc.doc.get_update()
                done = await self._store.compact(key, snapshot, link.last_id, release=release)
        except _FAILURES:
            _reraise_if_cancelled()
            link.resync = True
            return
        if done > 0:
            link.since_compact = 0
        elif done == 0:
            if not quiet:
                link.since_compact = self._compact_after // 2
        else:  # another process compacted past what this one has read
            link.resync = True

    # Awareness: one pub/sub channel per loaded document

    async def _listen(self) -> None:
        backoff = 0.1
        while not self.stopping():
            pubsub = self._store.pubsub()
            try:
                await self._follow_awareness(pubsub)
            except Exception as exc:
                _reraise_if_cancelled()
                _log_unexpected(exc)
                if self.stopping():
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            finally:
                await _close_quietly(pubsub)
            backoff = 0.1

    async def _follow_awareness(self, pubsub: PubSub) -> None:
        subscribed: set[str] = set()
        while not self.stopping():
            wanted = set(self._links)
            new, gone = wanted - subscribed, subscribed - wanted
            if new:
                await pubsub.subscribe(*(awareness_channel(key) for key in new))
                subscribed |= new
                for key in new:
                    # Ask the other processes who is there, and tell them who is here: what
                    # this process published before it listened may have reached a process
                    # that started listening after that, and asked before this one listened.
                    self._queue(_Outgoing(key, awareness=_AWARENESS_QUERY))
                    link = self._links.get(key)
                    snapshot = link.doc.local_awareness() if link is not None else None
                    if snapshot is not None:
                        self.publish_awareness(key, snapshot)
            if gone:
                await pubsub.unsubscribe(*(awareness_channel(key) for key in gone))
                subscribed -= gone
            if not subscribed:
                await asyncio.sleep(_POLL_SECONDS)
                continue
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=_POLL_SECONDS
            )
            if message is None or message["type"] != "message":
                continue
            origin, key, payload = split_awareness(message["channel"], bytes(message["data"]))
            link = self._links.get(key)
            if origin == self.origin or link is None:
                continue
            if payload[:1] == _AWARENESS_QUERY:
                snapshot = link.doc.local_awareness()
                if snapshot is not None:
                    self.publish_awareness(key, snapshot)
            elif payload[:1] == _AWARENESS_STATE:
                link.doc.apply_remote_awareness(payload[1:])


def _log_unexpected(exc: Exception) -> None:
    """Redis going away is expected (logged once, as down/up). Redis refusing a command
    (a key of the wrong type, out of memory, a read-only replica, a script error) is not an
    outage that will pass by itself: said each time, with Redis's words. Anything else is a
    bug worth a traceback. The loop carries on as after an outage either way."""
    if isinstance(exc, ResponseError):
        log.error("Redis refused a relay command: %s", exc)
    elif not isinstance(exc, _FAILURES):
        log.error("a Redis relay loop failed; it resynchronises and goes on", exc_info=exc)


def _reraise_if_cancelled() -> None:
    """redis-py may turn a cancellation into a connection error; a task being stopped
    must stop, not retry."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _close_quietly(pubsub: PubSub) -> None:
    with contextlib.suppress(*_FAILURES):
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _end(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for tasks told to stop by their flag: each ends within one blocking read.
    Cancelling is the last resort, as redis-py drops a connection cancelled mid-command
    without closing it (and on 3.11 may turn the cancellation into a timeout)."""
    grace = _BLOCK_MS / 1000 + 2.0
    done, pending = await asyncio.wait(tasks, timeout=grace) if tasks else (set(), set())
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("a Redis relay task failed", exc_info=task.exception())
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=2.0)
