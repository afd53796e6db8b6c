"""Two real server processes sharing rooms through a real redis-server, with the official
npm y-websocket clients spread over them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import redis

from sync.awareness import AwarenessEntry, parse_awareness
from tests.conftest import LiveServerFactory
from tests.support.live_server import LiveServer
from tests.support.net import wait_until
from tests.support.redis_server import RedisServer
from tests.support.tokens import token
from tests.sync.yjs_peers import YjsPeers

pytestmark = [pytest.mark.node, pytest.mark.redis]


@pytest.fixture
def servers(
    live_server_factory: LiveServerFactory, redis_server: RedisServer, tmp_path: Path
) -> list[LiveServer]:
    env = {"READINGROOM_REDIS_URL": redis_server.url}
    return [live_server_factory(env=env, data_dir=tmp_path / f"data-{i}") for i in range(2)]


def test_clients_on_two_processes_converge_and_see_each_others_presence(
    servers: list[LiveServer], peers: YjsPeers
) -> None:
    a, b = servers
    peers.open("x", a.ws_url, "class", "shared", token(a, "xena"), awareness={"name": "Xena"})
    peers.open("y", b.ws_url, "class", "shared", token(b, "yuri"), awareness={"name": "Yuri"})
    for name in ("x", "y"):
        peers("synced", peer=name)
        peers("burst", peer=name, map="annotations", prefix=name, count=40, interval=3)
    for name in ("x", "y"):
        peers("burstDone", peer=name)
    for name in ("x", "y"):
        peers("waitSize", peer=name, map="annotations", size=80)
    assert peers("get", peer="x", map="annotations") == peers("get", peer="y", map="annotations")
    peers("setAwareness", peer="x", state={"name": "Xena", "page": 7})
    deadline = time.monotonic() + 30
    while not any(s.get("page") == 7 for s in peers("awareness", peer="y") if s):
        assert time.monotonic() < deadline, "xena's presence never reached the other process"
        time.sleep(0.05)


def test_readyz_reports_redis_down_while_it_restarts(
    servers: list[LiveServer], redis_server: RedisServer
) -> None:
    redis_server.stop()
    try:
        assert httpx.get(f"{servers[0].url}/readyz", timeout=10).status_code == 503
    finally:
        redis_server.start()


def test_nothing_is_lost_when_a_process_is_killed_or_redis_restarts(
    servers: list[LiveServer], peers: YjsPeers, redis_server: RedisServer
) -> None:
    a, b = servers
    peers.open("x", a.ws_url, "room2", "shared", token(a, "xena"))
    peers.open("y", b.ws_url, "room2", "shared", token(b, "yuri"))
    for name in ("x", "y"):
        peers("synced", peer=name)
        peers("burst", peer=name, map="annotations", prefix=f"{name}1", count=30, interval=5)
    a.kill()
    a.start()
    for name in ("x", "y"):
        peers("burstDone", peer=name, timeout=30)
    redis_server.stop()
    for name in ("x", "y"):
        peers("burst", peer=name, map="annotations", prefix=f"{name}2", count=20, interval=5)
    for name in ("x", "y"):
        peers("burstDone", peer=name, timeout=30)
    redis_server.start()
    for name in ("x", "y"):
        peers("waitSize", peer=name, map="annotations", size=100, timeout=40)
    assert peers("get", peer="x", map="annotations") == peers("get", peer="y", map="annotations")


def test_three_processes_a_killed_one_and_a_client_moving_to_another(
    live_server_factory: LiveServerFactory,
    redis_server: RedisServer,
    tmp_path: Path,
    peers: YjsPeers,
) -> None:
    """Three processes; one is killed with -9 mid-burst and its client goes on through
    another process, which gives it the full state and takes what it wrote meanwhile; a
    reader on a process started last (its own empty store) sees every edit."""
    env = {"READINGROOM_REDIS_URL": redis_server.url}
    a, b, c = (live_server_factory(env=env, data_dir=tmp_path / f"d{i}") for i in range(3))
    for name, server in (("x", a), ("y", b), ("z", c)):
        peers.open(name, server.ws_url, "room3", "shared", token(server, f"{name}user"))
        peers("synced", peer=name)
    for name in ("x", "y", "z"):
        peers("burst", peer=name, map="annotations", prefix=name, count=40, interval=10)
    peers("waitSize", peer="z", map="annotations", size=30, timeout=30)
    b.kill()
    peers.move("y", c.ws_url, "room3", "shared", token(c, "yuser"))
    peers("synced", peer="y")
    expected = {f"{p}-{i}" for p in ("x", "y", "z") for i in range(40)}
    for name in ("x", "y", "z"):
        peers("burstDone", peer=name, timeout=30)
    for name in ("x", "y", "z"):
        peers("waitSize", peer=name, map="annotations", size=120, timeout=30)
    fresh = live_server_factory(env=env, data_dir=tmp_path / "d3")  # loads from Redis alone
    peers.open("late", fresh.ws_url, "room3", "shared", token(fresh, "late"))
    peers("synced", peer="late")
    peers("waitSize", peer="late", map="annotations", size=120, timeout=30)
    final = peers("get", peer="late", map="annotations")
    assert set(final) == expected
    for name in ("x", "y", "z"):
        assert peers("get", peer=name, map="annotations") == final


def test_serve_workers_shares_rooms_between_its_processes(
    live_server_factory: LiveServerFactory,
    redis_server: RedisServer,
    tmp_path: Path,
    peers: YjsPeers,
) -> None:
    """`readingroom serve --workers 2` on one port: the kernel hands connections to either
    process; clients are opened until both processes hold some (each peer's first edit
    names its process in the stream), then every client sees every edit."""
    server = serve_workers(live_server_factory, redis_server, tmp_path)
    origins = peers_on_both_workers(server, redis_server, peers, "room4")
    for name in origins:
        peers("burst", peer=name, map="annotations", prefix=name, count=15, interval=10)
    for name in origins:
        peers("burstDone", peer=name, timeout=30)
    size = len(origins) * 16
    for name in origins:
        peers("waitSize", peer=name, map="annotations", size=size, timeout=30)
    first = peers("get", peer="p0", map="annotations")
    assert all(peers("get", peer=name, map="annotations") == first for name in origins)


def test_a_worker_killed_mid_edit_is_replaced_and_no_edit_is_lost(
    live_server_factory: LiveServerFactory,
    redis_server: RedisServer,
    tmp_path: Path,
    peers: YjsPeers,
) -> None:
    """One of `serve --workers 2`'s processes is killed with -9 while every client edits:
    the server starts another in its place, the dead one's clients reconnect to the port
    by themselves, and every client, and one that joins afterwards, holds every edit."""
    server = serve_workers(live_server_factory, redis_server, tmp_path)
    origins = peers_on_both_workers(server, redis_server, peers, "room5")
    before = workers(server)
    for name in origins:
        peers("burst", peer=name, map="annotations", prefix=name, count=60, interval=20)
    time.sleep(0.4)
    victim = before[0]
    victim.kill()
    for name in origins:
        assert peers("burstDone", peer=name, timeout=30) == 60

    def replaced() -> bool:
        running = workers(server)
        return len(running) == 2 and victim not in running

    wait_until(replaced, 60, "a worker in place of the killed one")
    size = len(origins) * 61
    for name in origins:
        peers("waitSize", peer=name, map="annotations", size=size, timeout=60)
    peers.open("late", server.ws_url, "room5", "shared", token(server, "late"))
    peers("waitSize", peer="late", map="annotations", size=size, timeout=60)
    first = peers("get", peer="late", map="annotations")
    assert len(first) == size
    assert all(peers("get", peer=name, map="annotations") == first for name in origins)


def serve_workers(
    live_server_factory: LiveServerFactory, redis_server: RedisServer, tmp_path: Path
) -> LiveServer:
    env = {"READINGROOM_REDIS_URL": redis_server.url}
    server = live_server_factory(env=env, data_dir=tmp_path / "w", args=["--workers", "2"])
    assert len(workers(server)) == 2
    return server


def workers(server: LiveServer) -> list[psutil.Process]:
    """The worker processes `serve --workers` runs (not multiprocessing's helpers)."""
    assert server.pid is not None
    found = []
    for child in psutil.Process(server.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:  # one that just ended
            continue
    return found


def peers_on_both_workers(
    server: LiveServer, redis_server: RedisServer, peers: YjsPeers, room: str
) -> dict[str, bytes]:
    """Clients opened (each writes one entry, naming its process in the stream) until at
    least four are open and both processes hold some: peer name -> process id."""
    stream = "rr:{" + room + "/shared}:log"
    origins: dict[str, bytes] = {}
    with redis.Redis.from_url(redis_server.url) as client:
        for i in range(120):  # a busy worker may leave a run of connections to the other
            name = f"p{i}"
            peers.open(name, server.ws_url, room, "shared", token(server, name))
            peers("synced", peer=name)
            peers("set", peer=name, map="annotations", key=name, value=i)
            origins[name] = wait_for_origin(client, stream, i + 1)
            if len(origins) >= 4 and len(set(origins.values())) == 2:
                break
    assert len(set(origins.values())) == 2, "every connection went to one process"
    return origins


def wait_for_origin(client: redis.Redis, stream: str, length: int) -> bytes:
    """The process id on the stream's `length`-th entry, once it is there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entries: Any = client.xrange(stream)
        if len(entries) >= length:
            origin: bytes = entries[length - 1][1][b"o"]
            return origin
        time.sleep(0.02)
    raise AssertionError(f"entry {length} never reached {stream}")


def test_a_client_whose_process_restarted_is_seen_again_at_once(
    servers: list[LiveServer], peers: YjsPeers
) -> None:
    """Yuri's process stops (SIGTERM: his state is removed everywhere) and starts again;
    his client reconnects by itself and must show up again for Xena, on the other
    process, at once, not only after his next renewal (15 s, twice: 30 s)."""
    a, b = servers
    peers.open("x", a.ws_url, "room5", "shared", token(a, "xena"), awareness={"name": "Xena"})
    peers.open("y", b.ws_url, "room5", "shared", token(b, "yuri"), awareness={"name": "Yuri"})

    def sees_yuri() -> bool:
        return any(s and s.get("name") == "Yuri" for s in peers("awareness", peer="x"))

    wait_until(sees_yuri, 15, "Xena to see Yuri")
    b.stop()
    wait_until(lambda: not sees_yuri(), 15, "Yuri to leave")
    b.start()
    peers("synced", peer="y", timeout=30)
    wait_until(sees_yuri, 8, "Xena to see Yuri again")


def sees(peers: YjsPeers, peer: str, name: str, **fields: Any) -> bool:
    return any(
        state and state.get("name") == name and all(state.get(k) == v for k, v in fields.items())
        for state in peers("awareness", peer=peer)
    )


def test_a_process_never_publishes_another_process_clients_presence(
    servers: list[LiveServer], peers: YjsPeers, redis_server: RedisServer
) -> None:
    """y-websocket clients send back every presence state they receive. Xena's client, on
    A, echoes Yuri's state (from B) to A; A must not take Yuri for one of its own: never
    publish his state, and not remove him for everyone when Xena leaves."""
    a, b = servers
    messages: list[tuple[bytes, list[AwarenessEntry]]] = []
    with redis.Redis.from_url(redis_server.url) as client, client.pubsub() as pubsub:
        pubsub.subscribe("rr:aw:room6/shared")
        pubsub.get_message(timeout=5)  # the subscription is confirmed

        def heard(until: Callable[[], bool], within: float) -> None:
            deadline = time.monotonic() + within
            while not until():
                assert time.monotonic() < deadline, "not heard on the awareness channel"
                message = pubsub.get_message(timeout=0.1)
                data = bytes(message["data"]) if message and message["type"] == "message" else b""
                if data[32:33] == b"s":  # a state message (b"q": a process asking for them)
                    entries = parse_awareness(data[33:], max_entries=100, max_state_bytes=10**5)
                    messages.append((data[:32], entries))

        def named(name: str) -> list[tuple[bytes, int]]:
            return [
                (origin, e.client)
                for origin, entries in messages
                for e in entries
                if not e.removed and json.loads(e.state).get("name") == name
            ]

        peers.open("x", a.ws_url, "room6", "shared", token(a, "xena"), awareness={"name": "Xena"})
        peers.open("y", b.ws_url, "room6", "shared", token(b, "yuri"), awareness={"name": "Yuri"})
        heard(lambda: bool(named("Xena")) and bool(named("Yuri")), 20)
        (origin_a, xena), (origin_b, yuri) = named("Xena")[0], named("Yuri")[0]
        wait_until(lambda: sees(peers, "x", "Yuri"), 20, "Xena to see Yuri (and echo him)")
        peers("setAwareness", peer="y", state={"name": "Yuri", "page": 2})  # echoed again
        wait_until(lambda: sees(peers, "x", "Yuri", page=2), 20, "Xena to see Yuri's page")
        peers("close", peer="x")
        heard(lambda: any(o == origin_a and any(e.removed for e in es) for o, es in messages), 20)
    from_a = [e.client for origin, entries in messages if origin == origin_a for e in entries]
    assert xena in from_a
    assert yuri not in from_a
    assert origin_a != origin_b
