"""The Redis side of room documents (sync.redis_store) against a real redis-server: how
streams are trimmed and folded when no process is on them any more."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from pycrdt import Doc, Map, Text

from sync.redis_store import RedisDocuments
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.redis]

DOC = "t/shared"
LOG = "rr:{t/shared}:log"
SNAP = "rr:{t/shared}:snap"
LEASE = "rr:{t/shared}:lease"
LAG_MS = 1500


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


def documents(
    redis: aioredis.Redis, name: bytes, wall_clock: Callable[[], float] = time.time
) -> RedisDocuments:
    return RedisDocuments(
        redis, name * 32, lease_ms=15_000, trim_lag_ms=LAG_MS, wall_clock=wall_clock
    )


async def entry_ids(redis: aioredis.Redis) -> list[bytes]:
    entries: Any = await redis.xrange(LOG)
    return [bytes(entry_id) for entry_id, _ in entries]


def skewed(by: float) -> Callable[[], float]:
    return lambda: time.time() + by


async def after_the_lag() -> None:
    await asyncio.sleep(LAG_MS / 1000 + 0.1)


def edits() -> tuple[Doc[Any], list[bytes]]:
    """A document and the updates that made it, one per edit (a deletion among them)."""
    doc: Doc[Any] = Doc()
    notes, text = doc.get("annotations", type=Map), doc.get("text", type=Text)
    updates = []
    for change in range(4):
        before = doc.get_state()
        if change == 2:
            del notes["n0"]
        else:
            notes[f"n{change}"] = {"page": change}
        text += f"line {change}\n"
        updates.append(doc.get_update(before))
    return doc, updates


def content(doc: Doc[Any]) -> tuple[dict[str, Any], str]:
    return dict(doc.get("annotations", type=Map)), str(doc.get("text", type=Text))


async def loaded(docs: RedisDocuments) -> Doc[Any]:
    history = await docs.load(DOC)
    doc: Doc[Any] = Doc()
    for update in history.updates:
        doc.apply_update(update)
    return doc


async def test_trimming_removes_only_what_the_snapshot_holds_once_the_room_is_quiet(
    redis: aioredis.Redis,
) -> None:
    """The sweep trims a stream up to its snapshot once its last entry is older than the
    lag (by Redis's clock), never an entry the snapshot lacks, and the floor it records
    never goes back; a stream left empty is forgotten."""
    docs = documents(redis, b"a")
    await docs.send([(DOC, b"x")] * 5, [])
    ids = await entry_ids(redis)
    assert await docs.compact(DOC, b"snap", ids[2]) == 1
    assert await docs.sweep() == []
    assert await entry_ids(redis) == ids  # not due: within the lag
    await after_the_lag()
    assert await docs.sweep() == []  # the lease holder is on the rest
    assert await entry_ids(redis) == ids[3:]  # the snapshot lacks them
    assert await redis.hget(SNAP, "floor") == ids[2]
    assert await redis.zcard("rr:trim") == 1  # looked at again later
    assert await docs.compact(DOC, b"snap2", ids[4]) == 1  # floor: the lag before ids[4]
    assert await redis.hget(SNAP, "floor") == ids[2]  # it never goes back
    await after_the_lag()
    assert await docs.sweep() == []
    assert await redis.xlen(LOG) == 0
    assert await redis.hget(SNAP, "floor") == ids[4]
    assert await redis.zcard("rr:trim") == 0  # nothing left to do for it


async def test_a_stream_nobody_compacts_is_folded_by_whichever_process_sweeps(
    redis: aioredis.Redis,
) -> None:
    """Entries no snapshot holds, quiet for the lag, no lease: the sweep hands the
    document to be folded, and the fold keeps every entry, including one that still
    waits for an update Redis lost (a process hands that back later)."""
    source, updates = edits()
    writer, sweeper = documents(redis, b"a"), documents(redis, b"b")
    lost, kept = updates[1], [u for u in updates if u is not updates[1]]
    await writer.send([(DOC, u) for u in kept], [])
    await after_the_lag()
    assert await sweeper.sweep() == [DOC]
    assert await sweeper.fold(DOC)
    assert await redis.exists(LEASE) == 0  # let go at once
    history = await sweeper.load(DOC)
    assert history.entries == 0 and len(history.updates) == 1
    await writer.send([(DOC, lost)], [])  # given back by a process that held it
    assert content(await loaded(sweeper)) == content(source)
    await after_the_lag()
    assert await sweeper.sweep() == [DOC]  # the entry handed back, nobody on it either
    assert await sweeper.fold(DOC)
    await after_the_lag()
    assert await sweeper.sweep() == []
    assert await redis.xlen(LOG) == 0
    assert await redis.zcard("rr:trim") == 0
    assert content(await loaded(sweeper)) == content(source)


async def test_a_stream_whose_lease_is_held_is_left_to_its_holder_until_it_expires(
    redis: aioredis.Redis,
) -> None:
    """Quiet for the lag, but a lease is held: the holder may still fold it (it may be a
    frozen process), so the sweep leaves it until the lease has expired."""
    _, updates = edits()
    await documents(redis, b"a").send([(DOC, u) for u in updates], [])
    await redis.set(LEASE, b"h" * 32, px=3 * LAG_MS)  # a holder that may yet fold it
    sweeper = documents(redis, b"b")
    await after_the_lag()
    assert await sweeper.sweep() == []
    assert await redis.xlen(LOG) == len(updates)
    await asyncio.sleep(max(0.0, int(await redis.pttl(LEASE)) / 1000))  # it expires
    await after_the_lag()  # looked at again one lag after the last look
    assert await sweeper.sweep() == [DOC]


async def test_an_unreadable_entry_is_left_out_of_a_fold_and_the_rest_kept(
    redis: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged entry (the Rust core cannot read it) does not cost the room the rest."""
    source, updates = edits()
    docs = documents(redis, b"a")
    damaged = [(DOC, updates[0]), (DOC, b"\xff damaged"), *((DOC, u) for u in updates[1:])]
    await docs.send(damaged, [])
    await after_the_lag()
    assert await docs.sweep() == [DOC]
    with caplog.at_level(logging.ERROR, logger="readingroom.sync"):
        assert await docs.fold(DOC)
    assert "left 1 unreadable updates out of a room document's snapshot" in caplog.text
    assert content(await loaded(docs)) == content(source)


async def test_a_stream_whose_schedule_was_lost_is_scheduled_by_a_starting_process(
    redis: aioredis.Redis,
) -> None:
    """Entries appended with no schedule (a pipeline cut between the two, or written
    before schedules existed): a process starting up schedules every non-empty stream,
    and the room is folded like any other."""
    source, updates = edits()
    for update in updates:
        await redis.xadd(LOG, {"u": update, "o": b"a" * 32})
    await redis.xadd("rr:{empty/shared}:log", {"u": b"", "o": b"a" * 32})
    await redis.xtrim("rr:{empty/shared}:log", maxlen=0)
    docs = documents(redis, b"b")
    await after_the_lag()
    assert await docs.sweep() == []  # nothing knew of it
    assert await docs.schedule_streams() == 1  # the empty stream is left alone
    await after_the_lag()
    assert await docs.sweep() == [DOC]
    assert await docs.fold(DOC)
    assert content(await loaded(docs)) == content(source)


async def test_a_room_whose_keys_are_broken_does_not_stop_the_sweep_of_the_others(
    redis: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    _, updates = edits()
    docs = documents(redis, b"a")
    await docs.send([("broken/shared", updates[0])], [])
    await redis.set("rr:{broken/shared}:snap", b"an operator's mistake")
    await docs.send([(DOC, u) for u in updates], [])
    await after_the_lag()
    with caplog.at_level(logging.ERROR, logger="readingroom.sync"):
        assert await docs.sweep() == [DOC]
    assert "Redis refused to sweep a room document's stream: WRONGTYPE" in caplog.text
    assert await redis.zscore("rr:trim", "broken/shared") is not None  # tried again later


async def test_schedules_follow_redis_clock_whatever_the_host_clock_says(
    redis: aioredis.Redis,
) -> None:
    """A host whose clock is an hour behind (or ahead) still schedules its rooms one lag
    after their last entry by Redis's clock, once it has seen Redis's clock."""
    for skew in (-3600.0, 3600.0):
        docs = documents(redis, b"a", skewed(skew))
        await docs.sweep()  # any sweep (every check) reads Redis's clock
        await docs.send([(DOC, b"x")], [])
        seconds, micros = await redis.time()
        score = await redis.zscore("rr:trim", DOC)
        assert score is not None
        assert abs(score - (seconds * 1000 + micros // 1000 + LAG_MS)) < 1000
        await redis.delete("rr:trim")
