"""Session services (several processes' worth) sharing rooms through a real redis-server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pycrdt import Doc, Map
from redis.backoff import NoBackoff
from redis.retry import Retry

from sync.document import LayerDocument
from sync.handover import DURABLE_AFTER
from sync.limits import Limits
from sync.members import Layer, Member
from sync.redis_store import RedisDocuments
from sync.relay import RedisRelay
from sync.service import SessionService
from sync.store import SessionStore
from tests.support.redis_server import RedisServer
from tests.sync.conftest import ALICE, BOB, sqlite_connect, until
from tests.sync.memory import YClient

pytestmark = [pytest.mark.redis]

LIMITS = Limits(flush_interval=0.01, idle_unload_seconds=60.0, compact_after_updates=20)


async def connect(service: SessionService, member: Member = ALICE) -> YClient:
    client = YClient()
    client.connect(lambda channel: service.serve(channel, "r", "shared", member))
    await asyncio.wait_for(client.synced.wait(), 30)
    return client


class Processes:
    """Session services started on demand; every Redis client and service is closed at
    the end, so no connection outlives the test."""

    def __init__(self, stack: AsyncExitStack, url: str, directory: Path) -> None:
        self._stack = stack
        self._url = url
        self._directory = directory

    async def start(
        self, name: str, limits: Limits = LIMITS, *, quick: bool = False
    ) -> SessionService:
        """`quick`: a trim lag of a second and checks every 0.3 s stand in for the minute
        and ten seconds of production."""
        redis = aioredis.Redis.from_url(
            self._url, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 0)
        )
        self._stack.push_async_callback(redis.aclose)
        store = SessionStore(
            sqlite_connect(self._directory / f"{name}.sqlite3"), limits.flush_interval
        )
        relay = (
            RedisRelay(
                redis, limits.compact_after_updates, store, trim_lag_ms=1000, check_seconds=0.3
            )
            if quick
            else RedisRelay(redis, limits.compact_after_updates, store)
        )
        service = SessionService(store, limits, relay)
        await service.start()
        self._stack.push_async_callback(service.stop)
        return service


@pytest.fixture
async def processes(tmp_path: Path, redis_server: RedisServer) -> AsyncIterator[Processes]:
    async with AsyncExitStack() as stack:
        yield Processes(stack, redis_server.url, tmp_path)


@pytest.fixture
async def pair(processes: Processes) -> list[SessionService]:
    return [await processes.start("a"), await processes.start("b")]


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def test_edits_on_one_process_reach_clients_of_the_other(pair: list[SessionService]) -> None:
    a, b = pair
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(50):
        alice.set(f"a{i}", {"n": i})
        bob.set(f"b{i}", {"n": i})
    await until(lambda: len(alice.get()) == 100 and len(bob.get()) == 100)
    assert alice.get() == bob.get()
    await alice.stop()
    await bob.stop()


async def test_a_process_joining_late_loads_the_compacted_snapshot_and_the_stream(
    pair: list[SessionService], processes: Processes, redis: aioredis.Redis
) -> None:
    a, _ = pair
    alice = await connect(a)
    for i in range(75):  # past compact_after_updates: snapshot + stream after it
        alice.set(f"k{i}", i)
    await until(lambda: len(alice.get()) == 75)
    await until_async(lambda: redis.hexists("rr:{r/shared}:snap", "snap"))
    late = await processes.start("c")
    carol = await connect(late, BOB)
    assert len(carol.get()) == 75
    alice.set("after", 1)
    await until(lambda: "after" in carol.get())
    await carol.stop()
    await alice.stop()


async def test_edits_made_while_redis_is_down_arrive_when_it_returns(
    pair: list[SessionService], redis_server: RedisServer
) -> None:
    a, b = pair
    alice, bob = await connect(a), await connect(b, BOB)
    alice.set("before", 1)
    await until(lambda: "before" in bob.get())
    await asyncio.to_thread(redis_server.stop)
    alice.set("during-a", 2)
    bob.set("during-b", 3)
    await until(lambda: "during-a" in alice.get())
    await asyncio.sleep(0.5)
    await asyncio.to_thread(redis_server.start)
    await until(lambda: {"during-a", "during-b"} <= alice.get().keys() <= bob.get().keys(), 30)
    assert alice.get() == bob.get()
    await alice.stop()
    await bob.stop()


async def test_what_redis_lost_is_given_back_by_the_processes_that_hold_it(
    pair: list[SessionService], processes: Processes, redis_server: RedisServer
) -> None:
    """Redis comes back empty (its files gone): the processes notice the lost connection,
    append what Redis lacks, and a process started afterwards sees every edit."""
    a, b = pair
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(30):
        alice.set(f"a{i}", i)
        bob.set(f"b{i}", i)
    await until(lambda: len(alice.get()) == 60 and len(bob.get()) == 60)
    await asyncio.to_thread(redis_server.kill)
    shutil.rmtree(redis_server.directory)
    await asyncio.to_thread(redis_server.start)
    bob.set("after", 1)
    await until(lambda: "after" in alice.get(), 30)
    late = await processes.start("c")
    carol = await connect(late, BOB)
    assert carol.get() == alice.get() == bob.get()
    assert len(carol.get()) == 61
    for client in (alice, bob, carol):
        await client.stop()


async def test_a_stopping_process_hands_redis_what_it_accepted(
    processes: Processes, redis: aioredis.Redis
) -> None:
    a = await processes.start("a")
    alice, watcher = await connect(a), await connect(a, BOB)
    for i in range(10):
        alice.set(f"k{i}", i)
    await until(lambda: len(watcher.get()) == 10)  # the server applied them all
    await alice.stop()
    await watcher.stop()
    await a.stop()
    b = await processes.start("b")
    bob = await connect(b, BOB)
    assert len(bob.get()) == 10
    await bob.stop()


async def test_edits_of_a_room_unloaded_while_redis_is_down_still_reach_redis(
    processes: Processes, redis_server: RedisServer
) -> None:
    """Alice edits while Redis is away and leaves; her process unloads the room before
    Redis returns. Once it does, the process still hands Redis her edits, so a process
    that never saw the room finds them."""
    quick = Limits(flush_interval=0.01, idle_unload_seconds=0.2, compact_after_updates=20)
    a = await processes.start("a", quick)
    alice, watcher = await connect(a), await connect(a, BOB)
    alice.set("before", 1)
    await until(lambda: "before" in watcher.get())
    await asyncio.to_thread(redis_server.stop)
    alice.set("offline", 2)
    await until(lambda: "offline" in watcher.get())
    await alice.stop()
    await watcher.stop()
    await asyncio.sleep(0.6)  # the room is unloaded
    assert a.room_count() == 0
    await asyncio.to_thread(redis_server.start)
    b = await processes.start("b")
    for _ in range(100):
        carol = await connect(b, BOB)
        found = carol.get()
        await carol.stop()
        if "offline" in found:
            break
        await asyncio.sleep(0.2)
    assert found == {"before": 1, "offline": 2}


async def until_async(check: Callable[[], Awaitable[object]], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_compaction_takes_the_lease_and_never_goes_back_to_an_older_point(
    redis: aioredis.Redis,
) -> None:
    """One process compacts a document at a time, and a process that read less than the
    stored snapshot holds is told to reload instead of overwriting it."""
    first = RedisDocuments(redis, b"a" * 32, lease_ms=15_000)
    other = RedisDocuments(redis, b"b" * 32, lease_ms=15_000)
    assert await first.compact("d/shared", b"newer", b"200000-0") == 1
    assert await other.compact("d/shared", b"elsewhere", b"300000-0") == 0  # lease held
    assert await first.compact("d/shared", b"older", b"100000-5") == -1
    assert await redis.hget("rr:{d/shared}:snap", "snap") == b"newer"
    assert await redis.hget("rr:{d/shared}:snap", "floor") == b"140000-0"


async def test_merging_what_redis_already_holds_appends_nothing(tmp_path: Path) -> None:
    """A Yjs update always carries the whole delete set; a document with deletions that
    Redis already holds in full must not be appended (and relayed by every process) again
    on each load or resync, while a real difference still is."""
    source: Doc[Any] = Doc()
    notes = source.get("annotations", type=Map)
    for i in range(5):
        notes[f"k{i}"] = i
    del notes["k0"]
    history = [source.get_update()]
    store = SessionStore(sqlite_connect(tmp_path / "m.sqlite3"), LIMITS.flush_interval)
    await store.open()
    try:
        doc = LayerDocument("m/shared", Layer.shared, store, LIMITS)
        assert doc.merge_remote(history) is None  # all of it came from Redis
        assert doc.merge_remote(history) is None
        doc.doc.get("annotations", type=Map)["local"] = 1
        missing = doc.merge_remote(history)
        assert missing is not None
        source.apply_update(missing)
        assert source.get("annotations", type=Map)["local"] == 1
        assert doc.merge_remote([source.get_update()]) is None
    finally:
        await store.close()


def marks(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        value: int = conn.execute("SELECT count(*) FROM sync_unsynced").fetchone()[0]
        return value


async def test_marks_of_updates_are_cleared_once_redis_has_held_them(
    pair: list[SessionService], redis_server: RedisServer, tmp_path: Path
) -> None:
    """Every accepted update is marked (Redis may lack it) with the update; the marks go
    once Redis has had everything DURABLE_AFTER seconds, also after an outage, so a
    process stopped later leaves nothing for the others to hand over."""
    a, b = pair
    alice, bob = await connect(a), await connect(b, BOB)
    alice.set("before", 1)
    await until(lambda: "before" in bob.get())
    await asyncio.to_thread(redis_server.stop)
    alice.set("during", 2)
    await until(lambda: marks(tmp_path / "a.sqlite3") == 1)  # held while Redis is away
    await asyncio.to_thread(redis_server.start)
    await until(lambda: "during" in bob.get(), 15)
    await until(lambda: marks(tmp_path / "a.sqlite3") == 0, DURABLE_AFTER + 15)
    await alice.stop()
    await bob.stop()


async def stream_length(redis: aioredis.Redis, doc: str = "r/shared") -> int:
    return int(await redis.xlen("rr:{" + doc + "}:log"))


async def only_snapshot(redis: aioredis.Redis) -> dict[str, Any]:
    """The annotations a process loading the room now gets, asserting that they all come
    from the snapshot (the stream holds nothing more)."""
    history = await RedisDocuments(redis, b"c" * 32, lease_ms=15_000).load("r/shared")
    assert history.entries == 0
    merged: Doc[Any] = Doc()
    for update in history.updates:
        merged.apply_update(update)
    return dict(merged.get("annotations", type=Map))


async def test_a_quiet_room_is_folded_and_its_stream_trimmed(
    processes: Processes, redis: aioredis.Redis
) -> None:
    """Fewer edits than a compaction waits for, then silence: the room is folded at a
    check and, once the lag has passed, its stream is empty; a process loading it then
    gets everything from the snapshot."""
    a = await processes.start("a", quick=True)
    b = await processes.start("b", quick=True)
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(7):  # compact_after_updates is 20
        alice.set(f"k{i}", i)
    await until(lambda: len(bob.get()) == 7)
    assert await stream_length(redis) == 7
    await until_async(lambda: redis.hexists("rr:{r/shared}:snap", "snap"))
    await until_async(lambda: _is(stream_length(redis), 0))
    late = await processes.start("c", quick=True)
    carol = await connect(late, BOB)
    assert carol.get() == alice.get()
    alice.set("after", 1)  # and the room carries on
    await until(lambda: "after" in carol.get() and "after" in bob.get())
    for client in (alice, bob, carol):
        await client.stop()


async def test_a_room_left_everywhere_leaves_a_snapshot_and_no_stream(
    processes: Processes, redis: aioredis.Redis
) -> None:
    """The last clients leave both processes: each unloads the room, the one holding the
    lease folds it and lets the lease go, and the stream is trimmed to nothing though no
    process follows it any more."""
    limits = Limits(flush_interval=0.01, idle_unload_seconds=0.2, compact_after_updates=20)
    a = await processes.start("a", limits, quick=True)
    b = await processes.start("b", limits, quick=True)
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(30):  # one compaction on the way, ten entries after it
        alice.set(f"k{i}", i)
    await until(lambda: len(bob.get()) == 30)
    want = alice.get()
    await alice.stop()
    await bob.stop()
    await until_async(lambda: _is(redis.exists("rr:{r/shared}:lease"), 0))
    await until_async(lambda: _is(stream_length(redis), 0))
    assert await only_snapshot(redis) == want


async def test_a_room_left_everywhere_while_its_lease_holder_is_dead_is_folded_anyway(
    processes: Processes, redis: aioredis.Redis
) -> None:
    """The lease holder is killed (-9: it never lets the lease go) just as the last clients
    leave the other processes: nobody has the room loaded, yet once the lease has expired
    and the room has been quiet for the lag, a sweeping process folds it from what Redis
    holds, and its stream ends up empty."""
    limits = Limits(flush_interval=0.01, idle_unload_seconds=0.2, compact_after_updates=20)
    a = await processes.start("a", limits, quick=True)
    b = await processes.start("b", limits, quick=True)
    await redis.set("rr:{r/shared}:lease", b"d" * 32, px=6000)  # the dead holder's
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(7):  # fewer than a compaction waits for
        alice.set(f"k{i}", i)
    await until(lambda: len(bob.get()) == 7)
    want = alice.get()
    await alice.stop()
    await bob.stop()
    await until(lambda: a.room_count() == 0 and b.room_count() == 0)
    assert await redis.get("rr:{r/shared}:lease") == b"d" * 32  # so neither could fold it
    assert not await redis.hexists("rr:{r/shared}:snap", "snap")
    assert await stream_length(redis) == 7
    await until_async(lambda: _is(stream_length(redis), 0), within=30.0)
    assert await only_snapshot(redis) == want


async def test_a_process_unloading_a_room_lets_its_lease_go(
    processes: Processes, redis: aioredis.Redis
) -> None:
    """The lease holder's clients move to the other process: the holder unloads the room
    and lets the lease go at once, so the other folds the room without waiting the
    fifteen seconds for the lease to expire."""
    limits = Limits(flush_interval=0.01, idle_unload_seconds=0.2, compact_after_updates=20)
    a = await processes.start("a", limits, quick=True)
    b = await processes.start("b", limits, quick=True)
    alice, bob = await connect(a), await connect(b, BOB)
    for i in range(25):
        alice.set(f"k{i}", i)
    await until(lambda: len(bob.get()) == 25)
    await until_async(lambda: redis.exists("rr:{r/shared}:lease"))
    holder = await redis.get("rr:{r/shared}:lease")
    assert a.relay is not None and b.relay is not None
    if holder == a.relay.origin:
        stay, leave, other = bob, alice, b.relay.origin
    else:
        stay, leave, other = alice, bob, a.relay.origin
    await leave.stop()
    await until_async(lambda: _is(redis.exists("rr:{r/shared}:lease"), 0), within=5.0)
    for i in range(25, 30):
        stay.set(f"k{i}", i)
    await until_async(lambda: _is(redis.get("rr:{r/shared}:lease"), other), within=5.0)
    await stay.stop()


async def test_a_stopping_process_lets_its_leases_go(
    processes: Processes, redis: aioredis.Redis
) -> None:
    a = await processes.start("a")
    alice = await connect(a)
    for i in range(25):
        alice.set(f"k{i}", i)
    assert a.relay is not None
    origin = a.relay.origin
    await until_async(lambda: _is(redis.get("rr:{r/shared}:lease"), origin))
    await alice.stop()
    await a.stop()
    assert await redis.exists("rr:{r/shared}:lease") == 0


async def _is(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def test_redis_refusing_a_command_is_logged_and_local_clients_are_still_served(
    pair: list[SessionService], redis: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """A room's stream key holding something else (an operator's mistake) makes every read
    fail with WRONGTYPE: not an outage that passes, so it is logged as an error with
    Redis's words, and each process goes on serving its own clients."""
    a, b = pair
    alice, bob = await connect(a), await connect(b, BOB)
    alice.set("before", 1)
    await until(lambda: "before" in bob.get())
    with caplog.at_level(logging.ERROR, logger="readingroom.sync"):
        await redis.delete("rr:{r/shared}:log")
        await redis.set("rr:{r/shared}:log", b"not a stream")
        await until(lambda: "Redis refused a relay command: WRONGTYPE" in caplog.text)
    alice2 = await connect(a)
    alice.set("local", 2)
    await until(lambda: "local" in alice2.get())
    await redis.delete("rr:{r/shared}:log")
    for client in (alice, alice2, bob):
        await client.stop()
