"""Edits a process accepted while Redis was away outlive that process, even when every
client that saw them has left: found by benchmarks/sync_chaos.py (rooms emptied under
faults). Real processes, a real redis-server, official y-websocket clients."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import LiveServerFactory
from tests.support.live_server import LiveServer
from tests.support.net import wait_until
from tests.support.redis_server import RedisServer
from tests.support.tokens import token
from tests.sync.yjs_peers import YjsPeers

pytestmark = [pytest.mark.node, pytest.mark.redis]

ROOM = "durable"
DOC = f"{ROOM}/shared"


def stored_updates(data_dir: Path) -> int:
    """Rows of the room's update log in a process's SQLite database (not yet compacted)."""
    with sqlite3.connect(data_dir / "readingroom.sqlite3") as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM sync_updates WHERE doc = ?", (DOC,)
        ).fetchone()
    return int(count)


def open_reader(peers: YjsPeers, name: str, server: LiveServer) -> None:
    peers.open(name, server.ws_url, ROOM, "shared", token(server, name))
    peers("synced", peer=name, timeout=30)


def write_offline_then_die(peers: YjsPeers, redis_server: RedisServer, a: LiveServer) -> None:
    """Redis goes down; Xena, on A, writes and Xavier, on A too, sees it (the edit was
    accepted); A stores it and is killed with -9; Xena and Xavier leave."""
    redis_server.stop()
    logged = stored_updates(a.data_dir)
    peers("set", peer="xena", map="notes", key="offline", value=2)
    peers("waitKey", peer="xavier", map="notes", key="offline")
    wait_until(lambda: stored_updates(a.data_dir) > logged, 10, "A to store the edit")
    a.kill()
    for name in ("xena", "xavier"):
        peers("close", peer=name)


def assert_late_readers_see_everything(
    peers: YjsPeers, servers: list[tuple[LiveServer, str]]
) -> None:
    for server, name in servers:
        open_reader(peers, name, server)
        # Handed over by a process that looks for marks every 10 s, once the dead one's
        # key (10 s) has expired: a generous deadline.
        assert peers("waitKey", peer=name, map="notes", key="offline", timeout=60) == 2
        assert peers("get", peer=name, map="notes") == {"before": 1, "offline": 2}


def test_edits_a_killed_process_accepted_while_redis_was_down_outlive_it_on_one_host(
    live_server_factory: LiveServerFactory,
    redis_server: RedisServer,
    tmp_path: Path,
    peers: YjsPeers,
) -> None:
    """Two processes on one data directory (`serve --workers`). Xena's edit, accepted by
    A while Redis was down, is only in the shared database once A is killed. Yuri, on
    B, leaves too, so B unloads the room (folding it into that database) before Redis is
    back: the fold must keep Xena's edit, and B must hand it to Redis, so a reader on a
    new process (its own empty database) finds it, as does one on B."""
    env = {"READINGROOM_REDIS_URL": redis_server.url, "READINGROOM_SYNC_IDLE_UNLOAD_SECONDS": "0.5"}
    data = tmp_path / "shared"
    a = live_server_factory(env=env, data_dir=data)
    b = live_server_factory(env=env, data_dir=data)
    open_reader(peers, "xena", a)
    open_reader(peers, "xavier", a)
    open_reader(peers, "yuri", b)
    peers("set", peer="yuri", map="notes", key="before", value=1)
    peers("waitKey", peer="xena", map="notes", key="before")
    write_offline_then_die(peers, redis_server, a)
    peers("close", peer="yuri")
    wait_until(lambda: stored_updates(data) == 0, 20, "B to unload and fold the room")
    redis_server.start()
    fresh = live_server_factory(env=env, data_dir=tmp_path / "fresh")
    assert_late_readers_see_everything(peers, [(fresh, "late-fresh"), (b, "late-b")])


def test_a_restarted_process_hands_redis_what_it_accepted_before_it_was_killed(
    live_server_factory: LiveServerFactory,
    redis_server: RedisServer,
    tmp_path: Path,
    peers: YjsPeers,
) -> None:
    """Processes on hosts of their own (own databases). Xena's edit, accepted by A while
    Redis was down, is only in A's database once A is killed; nobody opens the room on A
    again. Once A is restarted, it hands the edit to Redis by itself, so a reader on B
    finds it."""
    env = {"READINGROOM_REDIS_URL": redis_server.url}
    a = live_server_factory(env=env, data_dir=tmp_path / "a")
    b = live_server_factory(env=env, data_dir=tmp_path / "b")
    open_reader(peers, "xena", a)
    open_reader(peers, "xavier", a)
    peers("set", peer="xena", map="notes", key="before", value=1)
    peers("waitKey", peer="xavier", map="notes", key="before")
    write_offline_then_die(peers, redis_server, a)
    redis_server.start()
    a.start()
    assert_late_readers_see_everything(peers, [(b, "late-b")])
