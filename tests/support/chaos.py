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

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.chaos_checks import (
    StreamWatch,
    converged,
    drained,
    redis_digest,
    scan_logs,
    summary,
)
from tests.support.chaos_cluster import Cluster, ClusterConfig
from tests.support.chaos_faults import EVENTS, WEIGHTS, Faults, Skipped


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
    presence_seconds: float | None = None  # until every client saw exactly its room's others
    stream_max_len: int = 0
    stream_max_age: float = 0.0  # seconds, the oldest entry any stream held
    stream_age_limit: float = 0.0
    stream_final: dict[str, int] = field(default_factory=dict)  # lengths at the end
    stream_added: int = 0
    # After the last readers left the cold process: until every room's stream was empty
    # (folded into its snapshot and trimmed, though the processes that held its lease died).
    drained_seconds: float | None = None
    shutdowns: list[tuple[float, int | None]] = field(default_factory=list)
    client_closes: Counter[int] = field(default_factory=Counter)  # close codes seen
    log_problems: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Streams holding entries longer than compaction and trimming allow: kept apart from
    # the failures so that the data checks (cold restart) still run.
    stream_findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.log_problems and not self.stream_findings

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
        self._faults = Faults(cluster, config.seed, self.report.shutdowns, self.report.failures)
        timing = cluster.config
        self._streams = StreamWatch(
            cluster.redis.url,
            cluster.rooms,
            timing.trim_lag_seconds,
            timing.lease_seconds,
            timing.check_seconds,
        )

    # The run

    def run(self) -> ChaosReport:
        cluster, config = self.cluster, self.config
        cluster.open_clients(config.seed)
        self._wait_converged(config.settle_timeout)
        self._streams.start()
        try:
            deadline = time.monotonic() + config.seconds
            while time.monotonic() < deadline and not self.report.failures:
                self._round(deadline)
            if not self.report.failures:
                self._check_fresh_process()
            if not self.report.failures:
                self._check_presence()
            if not self.report.failures:
                self._check_marks_cleared()
            self._streams.stop()
            self._streams.check()
            self.report.stream_max_len = self._streams.max_len
            self.report.stream_max_age = self._streams.max_age
            self.report.stream_age_limit = self._streams.limit_seconds
            self.report.stream_final = dict(self._streams.final)
            self.report.stream_added = self._streams.added
            self.report.stream_findings.extend(self._streams.failures)
            if not self.report.failures:
                self._check_cold_restart()
            if not self.report.failures:
                self._check_drained()
        finally:
            self._streams.stop()
            self.report.log_problems = scan_logs(cluster.log_paths())
        return self.report

    def _round(self, deadline: float) -> None:
        cluster, rng = self.cluster, self._rng
        cluster.writers("write", rate=self.config.rate)
        time.sleep(rng.uniform(1.0, 3.0))
        low, high = self.config.events_per_round
        faults = []
        for _ in range(rng.randint(low, high)):
            kind = rng.choices(EVENTS, WEIGHTS)[0]
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
            self._faults.inject(kind, rng)
            self.report.events[kind] += 1
        except Skipped:
            self.report.events[f"{kind} (skipped)"] += 1
        except Exception as exc:
            self.report.failures.append(f"{kind}: {exc!r}")

    # Faults

    # Checks

    def _wait_converged(self, timeout: float) -> float | None:
        """Seconds until every client is connected, synced, holds every edit made and one
        state per room; None (and a failure) when that never happens."""
        began = time.monotonic()
        state: dict[str, Any] = {}
        while time.monotonic() - began < timeout:
            state = self.cluster.writers("state")
            if converged(state):
                self.report.edits_made = sum(r["ops"] for r in state["rooms"].values())
                self.report.client_closes = Counter()
                for peer in state["peers"].values():
                    self.report.client_closes.update(
                        {int(code): n for code, n in peer["closes"].items()}
                    )
                return time.monotonic() - began
            time.sleep(0.1)
        self.report.failures.append(f"no convergence within {timeout:.0f} s: {summary(state)}")
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

    def _check_presence(self) -> None:
        """Every client sees exactly the others of its room (awareness): nobody missing,
        through processes restarted and Redis restarted, and no ghost of a client that left
        or of a process that died (states not renewed go within 30 s)."""
        began = time.monotonic()
        wrong: dict[str, Any] = {}
        while time.monotonic() - began < self.config.settle_timeout:
            peers = self.cluster.writers("state")["peers"]
            wrong = {
                name: peer["present"]
                for name, peer in peers.items()
                if peer["present"]
                != sorted(n for n, p in peers.items() if p["room"] == peer["room"] and n != name)
            }
            if not wrong:
                self.report.presence_seconds = time.monotonic() - began
                return
            time.sleep(0.5)
        self.report.failures.append(f"presence never settled: {wrong}")

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
            self.report.failures.append(f"after a cold restart: {summary(state)}")
        # The writers are gone: their edits count through the digests they converged to.
        lost = any(p["digest"] != digests[p["room"]] for p in state["peers"].values())
        self.report.cold_present = self.report.edits_present if not lost else None

    def _check_drained(self) -> None:
        """The cold readers leave: every room is now empty everywhere, and the processes
        that compacted it were killed holding its lease. Its stream must still end up
        empty, within what compaction and trimming allow."""
        cluster = self.cluster
        for room in cluster.rooms:
            cluster.writers("close", peer=f"cold-{room}")
        limit = self._streams.limit_seconds
        self.report.drained_seconds = drained(cluster.redis.url, cluster.rooms, limit)
        if self.report.drained_seconds is None:
            self.report.stream_findings.append(
                f"a room's stream still held entries {limit:.0f} s after everyone left"
            )


def run_chaos(
    config: ChaosConfig, workdir: Path, redis_executable: str, node_executable: str
) -> ChaosReport:
    cluster = Cluster(config.cluster, workdir, redis_executable, node_executable)
    try:
        cluster.start()
        return ChaosRun(config, cluster).run()
    finally:
        cluster.close()


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
