"""A seeded chaos run against rooms shared across processes (issue 8): clients write edits
continuously while processes and Redis are killed, stopped and frozen at moments the seed
chooses; after each round of faults the writers pause and every client must converge to
one state holding every edit any client made.

The guarantee checked, strictly: every edit a client made is in the final state of every
client, of a fresh process that knows only Redis, and of one started after everything was
killed once more. Nothing is excused, not even edits made while no process or Redis could
accept them: a y-websocket client keeps its edits in its own document and sends what the
server lacks on every reconnect (sync step 2), and a process sends Redis what it lacks
when Redis comes back, so no edit has a window in which it can be lost while its client
lives. (An edit whose client dies before any server took it is lost, and this run never
kills clients.)

Used by `benchmarks/sync_chaos.py` (a table) and by
`tests/experience_server/test_scale_out_chaos.py` (a short run in CI).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
from pycrdt import Doc, Map, Text

from sync.redis_store import TRIM_LAG_MS, RedisDocuments, log_key
from tests.support.chaos_cluster import LAYER, Cluster, ClusterConfig

EVENTS = (
    "kill -9 process",
    "SIGTERM process",
    "kill -9 redis",
    "redis down",
    "redis frozen",
    "restart everything",
    "clients moved",
    "room emptied",
    "process cut off redis",
    "process frozen",
)
_WEIGHTS = (4, 2, 3, 2, 2, 1, 2, 3, 3, 2)
# The only log lines chaos may cause: warnings that say what it did (servers log at
# warning level); anything else, a traceback above all, is a problem.
_EXPECTED_LOG = re.compile(
    r"readingroom\.sync (Redis is unreachable; |Redis answers again; |"
    r"handed Redis the edits a stopped process left)|"
    r"readingroom\.sync\.poses\S* pose relay: Redis (is unreachable \(|answers again)"
)


@dataclass(frozen=True)
class ChaosConfig:
    seed: int
    seconds: float = 120.0
    rate: float = 6.0  # edits a second per client
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    settle_timeout: float = 90.0  # for convergence once faults and writes stop
    events_per_round: tuple[int, int] = (1, 3)
    round_span: float = 6.0  # faults of one round start within this many seconds


@dataclass
class Round:
    events: list[str]
    convergence_seconds: float | None  # None: never converged
    redis_seconds: float | None = None  # until what a process loading now reads matches


@dataclass
class ChaosReport:
    seed: int
    events: Counter[str] = field(default_factory=Counter)
    rounds: list[Round] = field(default_factory=list)
    edits_made: int = 0
    edits_present: int = 0  # on the fresh process after the last round
    cold_present: int | None = None  # after everything was killed once more
    fresh_seconds: float | None = None
    marks_seconds: float | None = None  # until no database held a mark
    stream_max_len: int = 0
    stream_added: int = 0
    shutdowns: list[tuple[float, int | None]] = field(default_factory=list)
    client_closes: Counter[int] = field(default_factory=Counter)  # close codes seen
    log_problems: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.log_problems

    def convergence(self) -> list[float]:
        return [r.convergence_seconds for r in self.rounds if r.convergence_seconds is not None]

    def redis_times(self) -> list[float]:
        return [r.redis_seconds for r in self.rounds if r.redis_seconds is not None]


class ChaosRun:
    def __init__(self, config: ChaosConfig, cluster: Cluster) -> None:
        self.config = config
        self.cluster = cluster
        self.report = ChaosReport(config.seed)
        self._rng = random.Random(config.seed)
        self._samples: list[tuple[float, str, int, int]] = []
        self._sampling = threading.Event()
        self._generation = 0
        self._emptying = threading.Lock()  # one room emptied at a time

    # The run

    def run(self) -> ChaosReport:
        cluster, config = self.cluster, self.config
        cluster.open_clients(config.seed)
        self._wait_converged(config.settle_timeout)
        sampler = threading.Thread(target=self._sample_streams, daemon=True)
        sampler.start()
        try:
            deadline = time.monotonic() + config.seconds
            while time.monotonic() < deadline and not self.report.failures:
                self._round(deadline)
            if not self.report.failures:
                self._check_fresh_process()
            if not self.report.failures:
                self._check_marks_cleared()
            self._check_streams()
            if not self.report.failures:
                self._check_cold_restart()
        finally:
            self._sampling.set()
            sampler.join(timeout=5)
            self._scan_logs()
        return self.report

    def _round(self, deadline: float) -> None:
        cluster, rng = self.cluster, self._rng
        cluster.writers("write", rate=self.config.rate)
        time.sleep(rng.uniform(1.0, 3.0))
        low, high = self.config.events_per_round
        faults = []
        for _ in range(rng.randint(low, high)):
            kind = rng.choices(EVENTS, _WEIGHTS)[0]
            at = rng.uniform(0.0, self.config.round_span)
            faults.append((at, kind, random.Random(rng.getrandbits(64))))
        threads = [
            threading.Thread(target=self._fault, args=fault, daemon=True) for fault in faults
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # The last fault is over (everything runs again): stop writing, time convergence.
        cluster.writers("pause")
        seconds = self._wait_converged(min(self.config.settle_timeout, _left(deadline) + 60))
        done = Round([kind for _, kind, _ in faults], seconds)
        self.report.rounds.append(done)
        if seconds is not None:
            done.redis_seconds = self._wait_redis_in_step(self.config.settle_timeout)

    def _wait_redis_in_step(self, timeout: float) -> float | None:
        """Seconds until what a process loading each room now would read from Redis (the
        snapshot and the stream after it) is the state the clients converged to."""
        state = self.cluster.writers("state")
        want = {p["room"]: p["digest"] for p in state["peers"].values()}
        began = time.monotonic()
        got: dict[str, str | None] = {}
        while time.monotonic() - began < timeout:
            with self.cluster.redis_lock:
                got = {room: redis_digest(self.cluster.redis.url, room) for room in want}
            if got == want:
                return time.monotonic() - began
            time.sleep(0.2)
        self.report.failures.append(f"Redis never held the clients' state: {got} != {want}")
        self._dump("redis-behind")
        return None

    def _fault(self, at: float, kind: str, rng: random.Random) -> None:
        time.sleep(at)
        try:
            _FAULTS[kind](self, rng)
            self.report.events[kind] += 1
        except _Skipped:
            self.report.events[f"{kind} (skipped)"] += 1
        except Exception as exc:
            self.report.failures.append(f"{kind}: {exc!r}")

    # Faults

    def _kill_process(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            self.cluster.servers[index].kill()
            self.cluster.balance_away(index, rng)
            time.sleep(rng.uniform(0.0, 2.0))
            self.cluster.servers[index].start(self.cluster.config.start_timeout)

    def _term_process(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            began = time.monotonic()
            code = self.cluster.servers[index].stop()
            self.report.shutdowns.append((time.monotonic() - began, code))
            if code not in (0, -15):  # uvicorn re-raises the signal once it is done
                self.report.failures.append(f"SIGTERM: process exited with {code}")
            self.cluster.balance_away(index, rng)
            time.sleep(rng.uniform(0.0, 2.0))
            self.cluster.servers[index].start(self.cluster.config.start_timeout)

    def _kill_redis(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.kill()
            time.sleep(rng.uniform(0.2, 3.0))
            self.cluster.redis.start()

    def _redis_down(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.stop()
            time.sleep(rng.uniform(2.0, 5.0))
            self.cluster.redis.start()

    def _freeze_redis(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.freeze()
            time.sleep(rng.uniform(1.0, 7.0))
            self.cluster.redis.thaw()

    def _restart_everything(self, rng: random.Random) -> None:
        cluster = self.cluster
        with cluster.redis_lock:
            for lock in cluster.server_locks:
                lock.acquire()
            try:
                for server in cluster.servers:
                    server.kill()
                cluster.redis.kill()
                time.sleep(rng.uniform(0.0, 2.0))
                cluster.start_servers(range(len(cluster.servers)))  # Redis still down
                cluster.redis.start()
            finally:
                for lock in cluster.server_locks:
                    lock.release()

    def _empty_room(self, rng: random.Random) -> None:
        """Every writer of a room stops, waits until all of them hold the same state (each
        one's edits were accepted and relayed: acknowledged) and leaves for good; new
        writers come a little later. From then on only the processes and Redis hold the
        room's edits, whatever the faults running meanwhile do to them."""
        with self._emptying:
            self._empty_one_room(rng)

    def _empty_one_room(self, rng: random.Random) -> None:
        cluster = self.cluster
        room = rng.choice(cluster.rooms)
        names = [c.name for c in list(cluster.clients.values()) if c.room == room]
        cluster.writers("hold", peers=names)
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:
            peers = cluster.writers("state")["peers"]
            if _converged({"peers": {n: peers[n] for n in names}}):
                break
            time.sleep(0.1)
        else:
            cluster.writers("hold", peers=names, writes=True)
            raise _Skipped
        for name in names:
            cluster.close_writer(name)
        time.sleep(rng.uniform(1.0, 6.0))
        for name in names:
            self._generation += 1
            index = rng.randrange(len(cluster.servers))
            with cluster.server_locks[index]:
                cluster.open_writer(
                    f"{name.split('.')[0]}.{self._generation}",
                    room,
                    index,
                    self.config.seed * 1000 + self._generation,
                )

    def _partition(self, rng: random.Random) -> None:
        """One process loses Redis (connections reset, or silently passing nothing) while
        the others go on; it comes back a few seconds later."""
        index = rng.randrange(len(self.cluster.servers))
        proxy = self.cluster.proxies[index]
        if proxy is None:
            raise _Skipped
        with self.cluster.server_locks[index]:
            if rng.random() < 0.5:
                proxy.cut()
            else:
                proxy.stall()
            time.sleep(rng.uniform(1.0, 8.0))
            proxy.heal()

    def _freeze_process(self, rng: random.Random) -> None:
        """A process stops answering anyone (SIGSTOP) for up to 12 s: longer than its
        `rr:alive` key lives, so the others take it for dead meanwhile."""
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            self.cluster.servers[index].freeze()
            time.sleep(rng.uniform(1.0, 12.0))
            self.cluster.servers[index].thaw()

    def _move_clients(self, rng: random.Random) -> None:
        cluster = self.cluster
        names = sorted(cluster.clients)
        for name in rng.sample(names, k=min(2, len(names))):
            index = rng.randrange(len(cluster.servers))
            with cluster.server_locks[index]:
                cluster.move(name, index)

    # Checks

    def _wait_converged(self, timeout: float) -> float | None:
        """Seconds until every client is connected, synced, holds every edit made and one
        state per room; None (and a failure) when that never happens."""
        began = time.monotonic()
        state: dict[str, Any] = {}
        while time.monotonic() - began < timeout:
            state = self.cluster.writers("state")
            if _converged(state):
                self.report.edits_made = sum(r["ops"] for r in state["rooms"].values())
                self.report.client_closes = Counter()
                for peer in state["peers"].values():
                    self.report.client_closes.update(
                        {int(code): n for code, n in peer["closes"].items()}
                    )
                return time.monotonic() - began
            time.sleep(0.1)
        self.report.failures.append(f"no convergence within {timeout:.0f} s: {_summary(state)}")
        self._dump("not-converged")
        return None

    def _dump(self, name: str) -> None:
        path = self.cluster.workdir / f"{name}.json"
        self.cluster.writers("dump", path=str(path))
        self.report.failures.append(f"client documents written to {path}")

    def _check_fresh_process(self) -> None:
        """A process with an empty data directory, started now, loads every room from
        Redis alone: its clients must see what the writers converged to."""
        cluster = self.cluster
        began = time.monotonic()
        fresh = cluster.fresh_server("fresh")
        for room in cluster.rooms:
            cluster.open_reader(f"fresh-{room}", fresh, room)
        if self._wait_converged(self.config.settle_timeout) is not None:
            self.report.fresh_seconds = time.monotonic() - began
        state = cluster.writers("state")
        self.report.edits_present = self.report.edits_made - sum(
            p["lost"] for name, p in state["peers"].items() if name.startswith("fresh-")
        )

    def _check_marks_cleared(self) -> None:
        """Once quiet, no database keeps a mark of updates Redis may lack: live processes
        clear theirs after DURABLE_AFTER, and hand over (and clear) those of the dead."""
        began = time.monotonic()
        left: list[tuple[str, str]] = []
        while time.monotonic() - began < self.config.settle_timeout:
            left = self.cluster.unsynced_marks()
            if not left:
                self.report.marks_seconds = time.monotonic() - began
                return
            time.sleep(0.5)
        self.report.failures.append(f"marks never cleared: {left[:5]}")

    def _check_cold_restart(self) -> None:
        """Clients gone, AOF fsynced (every second), then Redis and every process killed
        with -9: a new process on an empty data directory still finds every edit."""
        cluster = self.cluster
        state = cluster.writers("state")
        digests = {p["room"]: p["digest"] for p in state["peers"].values()}
        for name in list(state["peers"]):
            if not name.startswith("fresh-"):
                cluster.writers("close", peer=name)
        time.sleep(2.5)
        with cluster.redis_lock:
            for server in [*cluster.servers, *cluster.extra_servers]:
                server.kill()
            cluster.redis.kill()
            cluster.redis.start()
        cold = cluster.fresh_server("cold")
        for room in cluster.rooms:
            cluster.writers("close", peer=f"fresh-{room}")
            cluster.open_reader(f"cold-{room}", cold, room)
        deadline = time.monotonic() + self.config.settle_timeout
        while time.monotonic() < deadline:
            state = cluster.writers("state")
            peers = state["peers"]
            if all(p["synced"] and p["digest"] == digests[p["room"]] for p in peers.values()):
                break
            time.sleep(0.2)
        else:
            self.report.failures.append(f"after a cold restart: {_summary(state)}")
        # The writers are gone: their edits count through the digests they converged to.
        lost = any(p["digest"] != digests[p["room"]] for p in state["peers"].values())
        self.report.cold_present = self.report.edits_present if not lost else None

    def _sample_streams(self) -> None:
        """Every second: each room stream's length and entries ever added (XINFO), with
        the snapshot's floor, read in one transaction so a compaction cannot slip between."""
        client = redis.Redis.from_url(
            self.cluster.redis.url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        try:
            while not self._sampling.wait(1.0):
                for room in self.cluster.rooms:
                    self._sample(client, f"{room}/{LAYER}")
        finally:
            client.close()

    def _sample(self, client: redis.Redis, doc: str) -> None:
        key = log_key(doc)
        try:
            with client.pipeline(transaction=True) as pipe:
                pipe.exists(key)
                pipe.xinfo_stream(key)
                pipe.hget(key.replace(":log", ":snap"), "floor")
                exists, info, floor = pipe.execute(raise_on_error=False)
        except redis.RedisError:
            return
        if not exists or isinstance(info, Exception):
            return
        length, added = int(info["length"]), int(info["entries-added"])
        self._samples.append((time.monotonic(), key, length, added))
        first = info.get("first-entry")
        if first is not None and floor is not None and _id(first[0]) < _id(floor):
            self.report.failures.append(f"{key}: entry {first[0]!r} below the floor {floor!r}")

    def _check_streams(self) -> None:
        """Compaction bounds every stream: it never holds more than the entries added in
        the last TRIM_LAG_MS plus the time a lease takes to expire (30 s allowed), plus a
        few compaction intervals."""
        allowance = 4 * self.cluster.config.compact_after
        window = TRIM_LAG_MS / 1000 + 30.0
        added: dict[str, int] = {}
        for at, key, length, total in self._samples:
            self.report.stream_max_len = max(self.report.stream_max_len, length)
            added[key] = total
            earlier = [s[3] for s in self._samples if s[1] == key and s[0] <= at - window]
            recent = total - max(earlier) if earlier else total
            if length > recent + allowance:
                self.report.failures.append(
                    f"{key} held {length} entries, more than the {recent} added in the "
                    f"last {window:.0f} s plus {allowance}"
                )
                break
        self.report.stream_added = sum(added.values())

    def _scan_logs(self) -> None:
        for path in self.cluster.log_paths():
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if line.strip() and not _EXPECTED_LOG.search(line):
                    self.report.log_problems.append(f"{path.name}: {line}")


_FAULTS: dict[str, Callable[[ChaosRun, random.Random], None]] = {
    "kill -9 process": ChaosRun._kill_process,
    "SIGTERM process": ChaosRun._term_process,
    "kill -9 redis": ChaosRun._kill_redis,
    "redis down": ChaosRun._redis_down,
    "redis frozen": ChaosRun._freeze_redis,
    "restart everything": ChaosRun._restart_everything,
    "clients moved": ChaosRun._move_clients,
    "room emptied": ChaosRun._empty_room,
    "process cut off redis": ChaosRun._partition,
    "process frozen": ChaosRun._freeze_process,
}


class _Skipped(Exception):
    """A fault that could not happen this time (a room never settled while others ran)."""


def run_chaos(
    config: ChaosConfig, workdir: Path, redis_executable: str, node_executable: str
) -> ChaosReport:
    cluster = Cluster(config.cluster, workdir, redis_executable, node_executable)
    try:
        cluster.start()
        return ChaosRun(config, cluster).run()
    finally:
        cluster.close()


def redis_digest(url: str, room: str) -> str | None:
    """The digest (as tests/js/chaos-writers.mjs computes it) of a room as a process
    loading it from Redis would build it; None when Redis does not answer."""

    async def load() -> list[bytes]:
        client = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        try:
            return (await RedisDocuments(client, b"0" * 32, 1000).load(f"{room}/{LAYER}")).updates
        finally:
            await client.aclose()

    try:
        updates = asyncio.run(load())
    except (redis.RedisError, OSError):
        return None
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    notes = doc.get("notes", type=Map).to_py() or {}
    text = str(doc.get("text", type=Text))
    canonical = json.dumps(_integral(notes), sort_keys=True, separators=(",", ":"))
    return hashlib.sha1((canonical + text).encode(), usedforsecurity=False).hexdigest()[:16]


def _integral(value: Any) -> Any:
    """Numbers as JavaScript prints them (Yrs hands integers back as floats)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _converged(state: dict[str, Any]) -> bool:
    peers = state.get("peers", {})
    if not peers:
        return False
    digests: dict[str, set[str]] = {}
    for peer in peers.values():
        if not (peer["connected"] and peer["synced"]) or peer["lost"] or peer["extra"]:
            return False
        digests.setdefault(peer["room"], set()).add(peer["digest"])
    return all(len(d) == 1 for d in digests.values())


def _summary(state: dict[str, Any]) -> str:
    return "; ".join(
        f"{name}: connected={p['connected']} synced={p['synced']} lost={p['lost']} "
        f"extra={p['extra']} digest={p['digest']}"
        for name, p in sorted(state.get("peers", {}).items())
    )


def _id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
