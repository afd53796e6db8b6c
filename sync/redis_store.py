"""The Redis side of shared room documents: key layout and the few commands used.

Per document `k` (hash-tagged, so a cluster keeps them on one slot):
- `rr:{k}:log`  a stream of entries {u: Yjs update, o: origin process id}
- `rr:{k}:snap` a hash {snap: Yjs snapshot, id: the last stream id it holds,
  floor: the stream is trimmed below this id}
- `rr:{k}:lease` the id of the process allowed to compact (SET NX PX, renewed; deleted by
  its holder when it unloads the document or stops)
Shared by all documents: `rr:trim`, a sorted set of documents by when their last entry
leaves the trim lag (every append pushes it on), so that a room gone quiet (or empty
everywhere) has its stream folded and trimmed by whichever process looks next
(`RedisDocuments.sweep`), even when no process has it loaded any more.
Per process `p`: `rr:wake:p`, a tiny stream the process's own reader also follows, so that
attaching a document (or stopping) interrupts its blocking read at once; `rr:alive:p`, a
key renewed every few seconds while the process runs (`sync.handover`).
Awareness goes over pub/sub channels `rr:aw:<k>` as origin (32 bytes) + payload.
With AOF on, the streams and snapshots survive a Redis restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline, PubSub
from redis.exceptions import ResponseError

from sync.ydiff import merge_guarded

log = logging.getLogger("readingroom.sync")

_ORIGIN_LEN = 32
# The origin of entries no process made itself (edits a dead process left, handed over by
# another): every process applies them.
HANDOVER_ORIGIN = b"0" * _ORIGIN_LEN
# Entries stay this long behind a snapshot, so a process reading a little behind the one
# that compacted still finds them; one further behind notices through `floor` and reloads.
TRIM_LAG_MS = 60_000
_WAKE_TTL_S = 3600

# Snapshot plus the stream after it, read atomically (a compaction cannot slip between).
_LOAD = """
local snap = redis.call('HGET', KEYS[1], 'snap') or ''
local id = redis.call('HGET', KEYS[1], 'id')
local entries
if id then
  entries = redis.call('XRANGE', KEYS[2], '(' .. id, '+')
else
  id = '0-0'
  entries = redis.call('XRANGE', KEYS[2], '-', '+')
end
return {snap, id, entries}
"""

# Lua shared by the scripts below: stream ids compared, and the floor raised.
_LUA_HELPERS = """
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(ams, aseq, bms, bseq)
  return ams < bms or (ams == bms and aseq < bseq)
end
-- Record `floor` in the snapshot hash and trim the stream below `minid`, unless the
-- recorded floor is already as high: the floor only rises.
local function raise_floor(snap, log, floor, minid)
  local stored = redis.call('HGET', snap, 'floor')
  if stored then
    local sms, sseq = parse(stored)
    local fms, fseq = parse(floor)
    if not before(sms, sseq, fms, fseq) then
      return
    end
  end
  redis.call('HSET', snap, 'floor', floor)
  redis.call('XTRIM', log, 'MINID', minid)
end
"""

# Compact, atomically: only the lease holder (taken or renewed here), and never back to an
# older point than the stored snapshot; the floor only rises (a sweep may have raised it
# past this compaction's). 1: done; 0: another process holds the lease;
# -1: this process is behind the stored snapshot (it should reload). With ARGV[6] = 1 the
# holder lets the lease go afterwards (it unloads the document).
_COMPACT = (
    _LUA_HELPERS
    + """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif holder ~= ARGV[1] then
  return 0
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local done = 1
local stored = redis.call('HGET', KEYS[2], 'id')
local ums, useq = parse(ARGV[4])
if stored then
  local sms, sseq = parse(stored)
  if before(ums, useq, sms, sseq) then
    done = -1
  end
end
if done == 1 then
  redis.call('HSET', KEYS[2], 'snap', ARGV[3], 'id', ARGV[4])
  raise_floor(KEYS[2], KEYS[3], ARGV[5], ARGV[5])
end
if ARGV[6] == '1' then
  redis.call('DEL', KEYS[1])
end
return done
"""
)

# Let the lease go if this process holds it (stopping).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""

# A document due in `rr:trim` (KEYS: snap, log, lease; ARGV[1]: the lag in ms, by Redis's
# clock). Trim what the snapshot holds once it is older than the lag: every entry up to
# the snapshot's id, or up to the lag if the snapshot is newer; the floor only rises.
# Then say what is left: 0 the stream is empty (forget the document); 1 entries remain
# that a process is still on (one newer than the lag, or a lease held): look again later;
# 2 entries no snapshot holds, quiet for the lag, and nobody holding the lease (its holder
# died as the others unloaded the room, or every process restarted): fold them.
_SWEEP = (
    _LUA_HELPERS
    + """
local now = redis.call('TIME')
local limit = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
local id = redis.call('HGET', KEYS[1], 'id')
if id then
  local ims, iseq = parse(id)
  if ims < limit then
    raise_floor(KEYS[1], KEYS[2], id, ims .. '-' .. (iseq + 1))
  else
    raise_floor(KEYS[1], KEYS[2], limit .. '-0', limit .. '-0')
  end
end
if redis.call('XLEN', KEYS[2]) == 0 then
  return 0
end
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local nms = parse(newest[1][1])
if nms >= limit or redis.call('EXISTS', KEYS[3]) == 1 then
  return 1
end
return 2
"""
)

# Forget a document's trim unless a compaction meanwhile scheduled a later one.
_UNSCHEDULE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
"""
_TRIM_KEY = "rr:trim"
_SWEEP_COUNT = 100


def log_key(doc: str) -> str:
    return "rr:{" + doc + "}:log"


def _keys(doc: str) -> tuple[str, str, str]:
    base = "rr:{" + doc + "}"
    return f"{base}:log", f"{base}:snap", f"{base}:lease"


def stream_id(value: bytes) -> tuple[int, int]:
    """A stream id as a comparable pair."""
    ms, _, seq = value.partition(b"-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class RedisHistory:
    updates: list[bytes]  # the snapshot (if any) first, then the stream after it
    last_id: bytes
    entries: int  # how many of the updates came from the stream (not yet compacted)


@dataclass(frozen=True, slots=True)
class Entry:
    stream: str
    id: bytes
    origin: bytes
    update: bytes


class RedisDocuments:
    def __init__(
        self,
        redis: aioredis.Redis,
        origin: bytes,
        lease_ms: int,
        trim_lag_ms: int = TRIM_LAG_MS,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._origin = origin
        self._lease_ms = lease_ms
        self._trim_lag_ms = trim_lag_ms
        self._wall_clock = wall_clock  # this host's, in seconds
        self._offset_ms = 0  # Redis's clock minus this host's, as last seen (`_sync_clock`)
        self._load = redis.register_script(_LOAD)
        self._compact = redis.register_script(_COMPACT)
        self._release = redis.register_script(_RELEASE)
        self._sweep = redis.register_script(_SWEEP)
        self._unschedule = redis.register_script(_UNSCHEDULE)
        self.wake_key = "rr:wake:" + origin.decode()

    async def load(self, doc: str) -> RedisHistory:
        stream, snap, _ = _keys(doc)
        snapshot, snap_id, entries = await self._load(keys=[snap, stream])
        updates = [bytes(snapshot)] if snapshot else []
        last_id = bytes(snap_id)
        for entry_id, fields in entries:
            values = dict(zip(fields[::2], fields[1::2], strict=True))
            updates.append(bytes(values[b"u"]))
            last_id = bytes(entry_id)
        return RedisHistory(updates, last_id, len(entries))

    async def send(
        self,
        updates: list[tuple[str, bytes]],
        awareness: list[tuple[str, bytes]],
        *,
        wake: bool = False,
        origin: bytes | None = None,
    ) -> None:
        """Append updates and publish awareness, in order, in one round trip; with `wake`,
        also interrupt this process's own blocking read."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for doc, update in updates:
                pipe.xadd(log_key(doc), {"u": update, "o": origin or self._origin})
            if updates:
                # Due for a sweep once its last entry is older than the lag (see `sweep`).
                due = self._redis_now_ms() + self._trim_lag_ms
                pipe.zadd(_TRIM_KEY, dict.fromkeys({doc for doc, _ in updates}, due), gt=True)
            for doc, payload in awareness:
                pipe.publish(awareness_channel(doc), self._origin + payload)
            if wake:
                self._add_wake(pipe)
            await pipe.execute()

    def _add_wake(self, pipe: Pipeline) -> None:
        pipe.xadd(self.wake_key, {"w": b"1"}, maxlen=8, approximate=False)
        pipe.expire(self.wake_key, _WAKE_TTL_S)

    async def forget_wake(self) -> None:
        """On stopping: the wake stream goes, and the process no longer counts as alive."""
        await self._redis.delete(self.wake_key, self._alive_key(self._origin))

    async def heartbeat(self, ttl_ms: int) -> None:
        await self._redis.set(self._alive_key(self._origin), b"1", px=ttl_ms)

    async def alive(self, origins: list[str]) -> list[bool]:
        """Whether each process (by id) renewed its key lately, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for origin in origins:
                pipe.exists(self._alive_key(origin.encode()))
            answers: list[Any] = await pipe.execute()
        return [bool(a) for a in answers]

    @staticmethod
    def _alive_key(origin: bytes) -> str:
        return "rr:alive:" + origin.decode()

    async def read(self, streams: dict[str, bytes], block_ms: int, count: int) -> list[Entry]:
        """Entries after the given id of every stream (one XREAD); waits up to `block_ms`."""
        answer: Any = await self._redis.xread(
            {key: after for key, after in streams.items()}, count=count, block=block_ms
        )
        found = []
        for name, entries in answer or ():
            stream = name.decode() if isinstance(name, bytes) else str(name)
            for entry_id, fields in entries:
                found.append(
                    Entry(
                        stream,
                        bytes(entry_id),
                        bytes(fields.get(b"o", b"")),
                        bytes(fields.get(b"u", b"")),
                    )
                )
        return found

    async def floors(self, docs: list[str]) -> list[bytes | None]:
        """Where each document's stream is trimmed (None: never trimmed), in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for doc in docs:
                pipe.hget(_keys(doc)[1], "floor")
            answers: list[Any] = await pipe.execute()
        return [bytes(a) if a is not None else None for a in answers]

    async def lease_elsewhere(self, doc: str) -> bool:
        """Whether another process holds the document's lease (then compacting here would
        only send a snapshot to be refused)."""
        holder: Any = await self._redis.get(_keys(doc)[2])
        return holder is not None and bytes(holder) != self._origin

    async def compact(
        self, doc: str, snapshot: bytes, upto: bytes, *, release: bool = False
    ) -> int:
        """Store `snapshot` (every entry up to `upto`) and trim the stream up to the trim
        lag before it, if this process holds the lease (or nobody does): 1 done, 0 another
        process compacts, -1 the stored snapshot is newer than `upto` (reload). The rest
        of what the snapshot holds is trimmed once it is older than the lag (`sweep`).
        With `release`, the lease is let go afterwards."""
        stream, snap, lease = _keys(doc)
        ms, _ = stream_id(upto)
        floor = f"{max(0, ms - self._trim_lag_ms)}-0"
        done: Any = await self._compact(
            keys=[lease, snap, stream],
            args=[self._origin, self._lease_ms, snapshot, upto, floor, int(release)],
        )
        if int(done) == 1:  # by the stream's clock, should an append's schedule be lost
            await self._redis.zadd(_TRIM_KEY, {doc: ms + self._trim_lag_ms}, gt=True)
        return int(done)

    async def release(self, docs: list[str]) -> None:
        """Let go of the leases this process holds among `docs`."""
        for doc in docs:
            await self._release(keys=[_keys(doc)[2]], args=[self._origin])

    async def sweep(self) -> list[str]:
        """Look at the documents due in `rr:trim` (their last entry left the trim lag),
        whichever process wrote them and whether or not any process still has them
        loaded: trim what their snapshots hold, forget the ones left empty, look again
        later at the ones a process is still on, and return the ones nobody will fold
        (the caller folds them, `fold`). Any process may sweep: it is idempotent."""
        now = await self._sync_clock()
        due: Any = await self._redis.zrangebyscore(
            _TRIM_KEY, "-inf", now, start=0, num=_SWEEP_COUNT, withscores=True
        )
        orphans = []
        for name, score in due:
            doc = name.decode() if isinstance(name, bytes) else str(name)
            stream, snap, lease = _keys(doc)
            try:
                left = int(await self._sweep(keys=[snap, stream, lease], args=[self._trim_lag_ms]))
            except ResponseError as exc:  # one room's keys broken: the others still swept
                log.error("Redis refused to sweep a room document's stream: %s", exc)
                left = 1
            if left == 0:
                await self._unschedule(keys=[_TRIM_KEY], args=[doc, repr(score)])
                continue
            await self._redis.zadd(_TRIM_KEY, {doc: now + self._trim_lag_ms}, xx=True, gt=True)
            if left == 2:
                orphans.append(doc)
        return orphans

    async def schedule_streams(self) -> int:
        """Schedule every non-empty room stream for a sweep (a process does it once, when
        it starts): a room whose schedule was lost (a pipeline cut between its append and
        its schedule, an AOF tail cut between the two) is still folded one day. Returns
        how many were scheduled."""
        due = await self._sync_clock() + self._trim_lag_ms
        keys = [
            key.decode() if isinstance(key, bytes) else str(key)
            async for key in self._redis.scan_iter(match="rr:{*}:log", count=1000, _type="stream")
        ]
        if not keys:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.xlen(key)
            lengths: list[Any] = await pipe.execute()
        docs = [key[len("rr:{") : -len("}:log")] for key, n in zip(keys, lengths, strict=True) if n]
        if docs:
            await self._redis.zadd(_TRIM_KEY, dict.fromkeys(docs, due), nx=True)
        return len(docs)

    async def _sync_clock(self) -> int:
        """Redis's clock in ms, remembering how far this host's clock is from it: the
        schedules appends write are by Redis's clock, whatever this host's says."""
        seconds, micros = await self._redis.time()
        now = seconds * 1000 + micros // 1000
        self._offset_ms = now - round(self._wall_clock() * 1000)
        return now

    def _redis_now_ms(self) -> int:
        return round(self._wall_clock() * 1000) + self._offset_ms

    async def fold(self, doc: str) -> bool:
        """Fold a document no process follows: what Redis holds (snapshot and stream, every
        entry kept as it is, those still waiting for another included) becomes the
        snapshot, taking the lease for the while. False when there was nothing to fold or
        another process got there first."""
        history = await self.load(doc)
        if history.entries == 0:
            return False
        snapshot, skipped = merge_guarded(history.updates)
        if skipped:
            log.error("left %d unreadable updates out of a room document's snapshot", skipped)
        return await self.compact(doc, snapshot, history.last_id, release=True) == 1

    def pubsub(self) -> PubSub:
        return self._redis.pubsub()


def awareness_channel(doc: str) -> str:
    return "rr:aw:" + doc


def split_awareness(channel: bytes | str, data: bytes) -> tuple[bytes, str, bytes]:
    """(origin, document key, payload) of one awareness message."""
    name = channel.decode() if isinstance(channel, bytes) else channel
    return data[:_ORIGIN_LEN], name[len("rr:aw:") :], data[_ORIGIN_LEN:]
