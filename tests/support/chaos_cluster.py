"""The parts a chaos run breaks: a redis-server with AOF (fsync every second, as in
production), several `readingroom serve` processes sharing rooms through it, and official
y-websocket clients (tests/js/chaos-writers.mjs) spread over those processes.

Each part has a lock, so faults injected from several threads at once never act on the
same part together; moving clients away from a dead process is what a load balancer does
when their reconnect fails.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experience_server.auth.roles import Role
from experience_server.services import build_issuer
from experience_server.settings import Settings
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer
from tests.support.tcp_proxy import TcpProxy
from tests.sync.yjs_peers import YjsPeers

LAYER = "shared"


@dataclass(frozen=True)
class ClusterConfig:
    processes: int = 3
    clients: int = 6
    rooms: int = 2
    shared_data_dir: bool = True  # like `serve --workers N` on one host
    partitions: bool = True  # each process reaches Redis through a proxy that can cut it off
    compact_after: int = 50
    idle_unload_seconds: float = 3.0
    # Shorter than production's 60 s and 15 s, so a run sees many trims and lease expiries.
    trim_lag_seconds: float = 10.0
    lease_seconds: float = 5.0
    start_timeout: float = 90.0

    @property
    def check_seconds(self) -> float:
        """How often the processes check for quiet rooms and due trims (as `serve`)."""
        return min(10.0, self.trim_lag_seconds / 6)


@dataclass
class Client:
    name: str
    room: str
    server: int  # the process its provider points at


@dataclass
class Cluster:
    config: ClusterConfig
    workdir: Path
    redis_executable: str
    node_executable: str
    redis: RedisServer = field(init=False)
    servers: list[LiveServer] = field(init=False)
    clients: dict[str, Client] = field(default_factory=dict)
    extra_servers: list[LiveServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.redis = RedisServer(self.redis_executable, self.workdir / "redis", "everysec")
        self.env = {
            "READINGROOM_REDIS_URL": self.redis.url,
            "READINGROOM_SYNC_COMPACT_AFTER_UPDATES": str(self.config.compact_after),
            "READINGROOM_SYNC_IDLE_UNLOAD_SECONDS": str(self.config.idle_unload_seconds),
            "READINGROOM_REDIS_TRIM_LAG_SECONDS": str(self.config.trim_lag_seconds),
            "READINGROOM_REDIS_LEASE_SECONDS": str(self.config.lease_seconds),
            "READINGROOM_PREVIEWS": "false",
        }
        self.proxies = [
            TcpProxy(self.redis.port) if self.config.partitions else None
            for _ in range(self.config.processes)
        ]
        self.servers = [
            LiveServer(self._data_dir(i), {**self.env, **self._redis_via(proxy)})
            for i, proxy in enumerate(self.proxies)
        ]
        self.redis_lock = threading.Lock()
        self.server_locks = [threading.Lock() for _ in self.servers]
        self._driver_lock = threading.Lock()
        self._clients_lock = threading.RLock()  # who is where, as faults open and move them
        self._tokens: dict[tuple[Path, str], str] = {}
        self._writers: YjsPeers | None = None

    def _redis_via(self, proxy: TcpProxy | None) -> dict[str, str]:
        if proxy is None:
            return {}
        return {"READINGROOM_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}

    def _data_dir(self, index: int) -> Path:
        if self.config.shared_data_dir:
            return self.workdir / "data"
        return self.workdir / f"data-{index}"

    @property
    def rooms(self) -> list[str]:
        return [f"chaos{i}" for i in range(self.config.rooms)]

    # Starting and stopping everything

    def start(self) -> None:
        self.redis.start()
        self.start_servers(range(len(self.servers)))
        self._writers = YjsPeers(self.node_executable, "chaos-writers.mjs")

    def start_servers(self, indexes: range | list[int]) -> None:
        for i in indexes:
            self.servers[i].spawn()
        for i in indexes:
            self.servers[i].wait_ready(self.config.start_timeout)

    def close(self) -> None:
        if self._writers is not None:
            self._writers.stop()
        for server in [*self.servers, *self.extra_servers]:
            server.stop()
        self.redis.stop()
        for proxy in self.proxies:
            if proxy is not None:
                proxy.close()

    def fresh_server(self, name: str) -> LiveServer:
        """A process with an empty data directory of its own: it knows only what Redis holds."""
        server = LiveServer(self.workdir / name, self.env)
        self.extra_servers.append(server)
        server.start(self.config.start_timeout)
        return server

    def up(self, index: int) -> bool:
        return self.servers[index].pid is not None

    def unsynced_marks(self) -> list[tuple[str, str]]:
        """(document, process) of every mark of an update Redis may lack, in every database."""
        found: list[tuple[str, str]] = []
        for path in sorted({s.data_dir / "readingroom.sqlite3" for s in self.servers}):
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as conn:
                found += conn.execute("SELECT doc, origin FROM sync_unsynced").fetchall()
        return found

    def log_paths(self) -> list[Path]:
        return [s.log_path for s in [*self.servers, *self.extra_servers]]

    # Clients

    def writers(self, cmd: str, timeout: float = 30.0, **args: Any) -> Any:
        assert self._writers is not None
        with self._driver_lock:
            return self._writers(cmd, timeout=timeout, **args)

    def token(self, server: LiveServer, user: str) -> str:
        key = (server.data_dir, user)
        if key not in self._tokens:
            issuer = build_issuer(Settings(data_dir=server.data_dir))
            self._tokens[key] = issuer.issue(user, Role.parse("reader"), name=user)
        return self._tokens[key]

    def open_clients(self, seed: int) -> None:
        """`clients` writers, room by room in turn, process by process in turn."""
        for i in range(self.config.clients):
            self.open_writer(f"c{i}", self.rooms[i % len(self.rooms)], i % len(self.servers), seed)

    def open_writer(self, name: str, room: str, index: int, seed: int) -> None:
        server = self.servers[index]
        with self._clients_lock:
            self.writers(
                "open",
                peer=name,
                url=f"{server.ws_url}/ws/rooms/{room}",
                layer=LAYER,
                token=self.token(server, name),
                room=room,
                seed=seed,
            )
            self.clients[name] = Client(name, room, index)

    def close_writer(self, name: str) -> None:
        """The client leaves for good (the room must keep every edit it made)."""
        with self._clients_lock:
            del self.clients[name]
            self.writers("close", peer=name)

    def open_reader(self, name: str, server: LiveServer, room: str) -> None:
        self.writers(
            "open",
            peer=name,
            url=f"{server.ws_url}/ws/rooms/{room}",
            layer=LAYER,
            token=self.token(server, name),
            room=room,
            writes=False,
        )

    def move(self, name: str, index: int) -> None:
        server = self.servers[index]
        with self._clients_lock:
            client = self.clients.get(name)
            if client is None:  # it left meanwhile
                return
            client.server = index
            self.writers(
                "move",
                peer=name,
                url=f"{server.ws_url}/ws/rooms/{client.room}",
                token=self.token(server, name),
            )

    def balance_away(self, index: int, rng: random.Random) -> int:
        """Half the clients of a dead process go to a live one (what a load balancer does
        when their reconnect fails); the others keep retrying the same address. Returns how
        many moved."""
        moved = 0
        with self._clients_lock:
            clients = list(self.clients.values())
        for client in clients:
            if client.server != index or rng.random() < 0.5:
                continue
            live = [i for i in range(len(self.servers)) if i != index and self.up(i)]
            if live:
                self.move(client.name, rng.choice(live))
                moved += 1
        return moved
