"""The sync core on a real SQLite file, driven through in-memory channels."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from sync.limits import Limits
from sync.members import Member, Rank
from sync.service import SessionService
from sync.store import SessionStore
from tests.sync.memory import YClient

ALICE = Member("alice", "Alice", Rank.reader)
BOB = Member("bob", "Bob", Rank.reader)
GUEST = Member("gus", "Gus", Rank.guest)
TEACHER = Member("tess", "Tess", Rank.teacher)

TEST_LIMITS = Limits(flush_interval=0.01, idle_unload_seconds=60.0)


def sqlite_connect(path: Path) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    return connect


def make_service(db: Path, limits: Limits = TEST_LIMITS) -> SessionService:
    return SessionService(SessionStore(sqlite_connect(db), limits.flush_interval), limits)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.sqlite3"


@pytest.fixture
async def service(db_path: Path) -> AsyncIterator[SessionService]:
    svc = make_service(db_path)
    await svc.start()
    yield svc
    await svc.stop()


async def until(check: Callable[[], bool], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.005)


ClientFactory = Callable[..., YClient]


@pytest.fixture
async def clients(service: SessionService) -> AsyncIterator[ClientFactory]:
    """Connect a pycrdt y-websocket client: `clients(member, room="r", layer="shared")`."""
    made: list[YClient] = []

    def connect(member: Member, room: str = "r", layer: str = "shared") -> YClient:
        client = YClient()
        client.connect(lambda channel: service.serve(channel, room, layer, member))
        made.append(client)
        return client

    yield connect
    for client in made:
        await client.stop()
