"""Room documents in SQLite: batched appends, compaction, restore, idle unload."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sync.limits import Limits
from sync.members import Layer, Member
from sync.service import SessionService
from tests.sync.conftest import ALICE, BOB, TEACHER, make_service, until
from tests.sync.memory import YClient


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        value: int = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        return value


async def connect(
    service: SessionService, member: Member = ALICE, room: str = "r", layer: str = "shared"
) -> YClient:
    client = YClient()
    client.connect(lambda channel: service.serve(channel, room, layer, member))
    await asyncio.wait_for(client.synced.wait(), 5)
    return client


async def test_updates_reach_the_database_within_the_flush_interval(db_path: Path) -> None:
    service = make_service(db_path, Limits(flush_interval=0.05))
    await service.start()
    try:
        client = await connect(service)
        client.set("k", {"page": 1})
        await until(lambda: count(db_path, "sync_updates") == 1, 1.0)
        for i in range(30):
            client.set(f"burst{i}", i)
        await until(lambda: count(db_path, "sync_updates") == 31, 1.0)
        assert service._store.batches_written <= 8
        await client.stop()
    finally:
        await service.stop()


async def test_a_restarted_service_restores_rooms_and_session_state(db_path: Path) -> None:
    first = make_service(db_path)
    await first.start()
    client, watcher = await connect(first), await connect(first, BOB)
    for i in range(50):
        client.set(f"k{i}", {"n": i})
    await until(lambda: len(watcher.get()) == 50)
    await first.set_lecture("r", TEACHER, True)
    await client.stop()
    await watcher.stop()
    await first.stop()

    second = make_service(db_path)
    await second.start()
    try:
        late = await connect(second, BOB)
        assert len(late.get()) == 50
        assert (await second.session("r", BOB)).lecture is True
        await late.stop()
    finally:
        await second.stop()


async def test_what_was_flushed_survives_a_crash_without_shutdown(db_path: Path) -> None:
    first = make_service(db_path, Limits(flush_interval=0.01))
    await first.start()
    client = await connect(first)
    for i in range(20):
        client.set(f"k{i}", i)
    await until(lambda: count(db_path, "sync_updates") == 20)
    await client.stop()
    # No stop(): nothing compacted, nothing flushed at exit; the flusher just dies.
    assert first._store._flusher is not None
    first._store._flusher.cancel()

    second = make_service(db_path)
    await second.start()
    try:
        late = await connect(second, BOB)
        assert len(late.get()) == 20
        await late.stop()
    finally:
        await second.stop()


async def test_history_is_compacted_into_a_snapshot(db_path: Path) -> None:
    service = make_service(db_path, Limits(flush_interval=0.01, compact_after_updates=25))
    await service.start()
    try:
        client, watcher = await connect(service), await connect(service, BOB)
        for i in range(60):
            client.set(f"k{i}", i)
        await until(lambda: len(watcher.get()) == 60)
        await service._store.flush()
        assert count(db_path, "sync_documents") == 1
        assert count(db_path, "sync_updates") < 25
        await watcher.stop()
        await client.stop()
    finally:
        await service.stop()
    again = make_service(db_path)
    await again.start()
    try:
        late = await connect(again, BOB)
        assert len(late.get()) == 60
        await late.stop()
    finally:
        await again.stop()


async def test_idle_rooms_leave_memory_and_come_back(db_path: Path) -> None:
    service = make_service(db_path, Limits(flush_interval=0.01, idle_unload_seconds=0.05))
    await service.start()
    try:
        client = await connect(service, layer="private")
        client.set("note", {"body": "mine"})
        await asyncio.sleep(0.05)
        await client.stop()
        await until(lambda: service.room_count() == 0)
        again = await connect(service, layer="private")
        assert again.get() == {"note": {"body": "mine"}}
        found = await service.annotations("r", ALICE, [Layer.private])
        assert found == []  # a note without the annotation fields is not an annotation
        await again.stop()
    finally:
        await service.stop()
