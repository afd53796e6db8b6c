"""The Redis side of shared room documents: key layout and the few commands used.

Per document `k` (hash-tagged, so a cluster keeps them on one slot):
- `rr:{k}:log`  a stream of entries {u: Yjs update, o: origin process id}
- `rr:{k}:snap` a hash {snap: Yjs snapshot, id: the last stream id it holds}
- `rr:{k}:lease` the id of the process allowed to compact (SET NX PX, renewed)
Awareness goes over pub/sub channels `rr:aw:<k>` as origin (32 bytes) + payload.
With AOF on, the stream and snapshots survive a Redis restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

_ORIGIN_LEN = 32
_AWARENESS_PATTERN = "rr:aw:*"

# Snapshot plus the stream after it, read atomically (a compaction cannot slip between).
_LOAD = """
local snap = redis.call('HGET', KEYS[1], 'snap') or ''
local id = redis.call('HGET', KEYS[1], 'id') or '0-0'
local entries = redis.call('XRANGE', KEYS[2], id, '+')
return {snap, id, entries}
"""

# Take or renew the lease; true when this process holds it.
_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


def _keys(doc: str) -> tuple[str, str, str]:
    base = "rr:{" + doc + "}"
    return f"{base}:log", f"{base}:snap", f"{base}:lease"


@dataclass(frozen=True, slots=True)
class RedisHistory:
    updates: list[bytes]  # the snapshot (if any) first, then the stream after it
    last_id: bytes


class RedisDocuments:
    def __init__(self, redis: aioredis.Redis, origin: bytes, lease_ms: int) -> None:
        self._redis = redis
        self._origin = origin
        self._lease_ms = lease_ms
        self._load = redis.register_script(_LOAD)
        self._lease = redis.register_script(_LEASE)

    async def load(self, doc: str) -> RedisHistory:
        log, snap, _ = _keys(doc)
        snapshot, snap_id, entries = await self._load(keys=[snap, log])
        updates = [bytes(snapshot)] if snapshot else []
        last_id = bytes(snap_id)
        for entry_id, fields in entries:
            values = dict(zip(fields[::2], fields[1::2], strict=True))
            updates.append(bytes(values[b"u"]))
            last_id = bytes(entry_id)
        return RedisHistory(updates, last_id)

    async def send(
        self, updates: list[tuple[str, bytes]], awareness: list[tuple[str, bytes]]
    ) -> None:
        """Append updates and publish awareness, in order, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for doc, update in updates:
                pipe.xadd(_keys(doc)[0], {"u": update, "o": self._origin})
            for doc, payload in awareness:
                pipe.publish(f"rr:aw:{doc}", self._origin + payload)
            await pipe.execute()

    async def read(
        self, doc: str, after: bytes, block_ms: int, count: int
    ) -> list[tuple[bytes, bytes, bytes]]:
        """Entries after `after`: (id, origin, update); waits up to `block_ms` for some."""
        answer: Any = await self._redis.xread({_keys(doc)[0]: after}, count=count, block=block_ms)
        found = []
        for _, entries in answer or ():
            for entry_id, fields in entries:
                found.append((bytes(entry_id), bytes(fields[b"o"]), bytes(fields[b"u"])))
        return found

    async def compact(self, doc: str, snapshot: bytes, upto: bytes) -> bool:
        """If this process holds the lease: store `snapshot` (every entry up to `upto`)
        and trim the stream before it. False when another process compacts."""
        log, snap, lease = _keys(doc)
        if not await self._lease(keys=[lease], args=[self._origin, self._lease_ms]):
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(snap, mapping={"snap": snapshot, "id": upto})
            pipe.xtrim(log, minid=upto.decode())
            await pipe.execute()
        return True

    async def awareness(
        self, stopped: Callable[[], bool]
    ) -> AsyncIterator[tuple[bytes, str, bytes]]:
        """(origin, document key, payload) of every awareness message, until Redis fails
        or `stopped()` (checked at least once a second)."""
        pubsub = self._redis.pubsub()
        try:
            await pubsub.psubscribe(_AWARENESS_PATTERN)
            while not stopped():
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None or message["type"] != "pmessage":
                    continue
                data = bytes(message["data"])
                channel = message["channel"]
                name = channel.decode() if isinstance(channel, bytes) else str(channel)
                yield data[:_ORIGIN_LEN], name[len("rr:aw:") :], data[_ORIGIN_LEN:]
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
