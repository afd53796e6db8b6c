"""Poses across two real server processes sharing a real redis-server: a headset on each
sees the other's pose, and loses it soon after the other process is killed with -9."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sync.poses.federation import SILENCE_SECONDS
from tests.conftest import LiveServerFactory
from tests.experience_server.test_poses_ws import (
    TICK_HZ,
    assert_latest_pose,
    exchange_poses,
    headset,
)
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.redis


@pytest.fixture
def servers(
    live_server_factory: LiveServerFactory, redis_server: RedisServer, tmp_path: Path
) -> list[LiveServer]:
    env = {"READINGROOM_REDIS_URL": redis_server.url, "READINGROOM_POSE_TICK_HZ": str(TICK_HZ)}
    return [live_server_factory(env=env, data_dir=tmp_path / f"data-{i}") for i in range(2)]


async def test_headsets_on_two_processes_see_each_other(servers: list[LiveServer]) -> None:
    a, b = servers
    async with headset(a, "alice") as alice, headset(b, "bob") as bob:
        sent_by_alice, sent_by_bob = await exchange_poses(alice, bob)
        assert sorted(alice.roster.values()) == ["alice", "bob"]
        assert sorted(bob.roster.values()) == ["alice", "bob"]
        assert alice.users_seen() == {"bob"}
        assert bob.users_seen() == {"alice"}
        assert_latest_pose(alice, "bob", 1, sent_by_bob)
        assert_latest_pose(bob, "alice", 0, sent_by_alice)

        b.kill()
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        while "bob" in alice.roster.values():
            # Silence is noticed after SILENCE_SECONDS; the rest is slack for a loaded machine.
            waited = loop.time() - killed_at
            assert waited < SILENCE_SECONDS + 10, "a killed process's user is still shown"
            await asyncio.sleep(0.05)
        assert list(alice.roster.values()) == ["alice"]
