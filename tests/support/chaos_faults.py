"""The faults a chaos run injects (tests/support/chaos.py), each on a cluster of
tests/support/chaos_cluster.py, each taking the lock of what it breaks so that faults
running together never act on the same part at once."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from tests.support.chaos_checks import converged
from tests.support.chaos_cluster import Cluster

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
WEIGHTS = (4, 2, 3, 2, 2, 1, 2, 3, 3, 2)


class Skipped(Exception):
    """A fault that could not happen this time (a room never settled while others ran)."""


class Faults:
    def __init__(
        self,
        cluster: Cluster,
        seed: int,
        shutdowns: list[tuple[float, int | None]],
        failures: list[str],
    ) -> None:
        self.cluster = cluster
        self._seed = seed
        self._shutdowns = shutdowns
        self._failures = failures
        self._generation = 0
        self._emptying = threading.Lock()  # one room emptied at a time

    def inject(self, kind: str, rng: random.Random) -> None:
        """Raises Skipped when the fault could not happen."""
        _FAULTS[kind](self, rng)

    def kill_process(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            self.cluster.servers[index].kill()
            self.cluster.balance_away(index, rng)
            time.sleep(rng.uniform(0.0, 2.0))
            self.cluster.servers[index].start(self.cluster.config.start_timeout)

    def term_process(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            began = time.monotonic()
            code = self.cluster.servers[index].stop()
            self._shutdowns.append((time.monotonic() - began, code))
            if code not in (0, -15):  # uvicorn re-raises the signal once it is done
                self._failures.append(f"SIGTERM: process exited with {code}")
            self.cluster.balance_away(index, rng)
            time.sleep(rng.uniform(0.0, 2.0))
            self.cluster.servers[index].start(self.cluster.config.start_timeout)

    def kill_redis(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.kill()
            time.sleep(rng.uniform(0.2, 3.0))
            self.cluster.redis.start()

    def redis_down(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.stop()
            time.sleep(rng.uniform(2.0, 5.0))
            self.cluster.redis.start()

    def freeze_redis(self, rng: random.Random) -> None:
        with self.cluster.redis_lock:
            self.cluster.redis.freeze()
            time.sleep(rng.uniform(1.0, 7.0))
            self.cluster.redis.thaw()

    def restart_everything(self, rng: random.Random) -> None:
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

    def empty_room(self, rng: random.Random) -> None:
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
            if converged({"peers": {n: peers[n] for n in names}}):
                break
            time.sleep(0.1)
        else:
            cluster.writers("hold", peers=names, writes=True)
            raise Skipped
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
                    self._seed * 1000 + self._generation,
                )

    def partition(self, rng: random.Random) -> None:
        """One process loses Redis (connections reset, or silently passing nothing) while
        the others go on; it comes back a few seconds later."""
        index = rng.randrange(len(self.cluster.servers))
        proxy = self.cluster.proxies[index]
        if proxy is None:
            raise Skipped
        with self.cluster.server_locks[index]:
            if rng.random() < 0.5:
                proxy.cut()
            else:
                proxy.stall()
            time.sleep(rng.uniform(1.0, 8.0))
            proxy.heal()

    def freeze_process(self, rng: random.Random) -> None:
        """A process stops answering anyone (SIGSTOP) for up to 12 s: longer than its
        `rr:alive` key lives, so the others take it for dead meanwhile."""
        index = rng.randrange(len(self.cluster.servers))
        with self.cluster.server_locks[index]:
            self.cluster.servers[index].freeze()
            time.sleep(rng.uniform(1.0, 12.0))
            self.cluster.servers[index].thaw()

    def move_clients(self, rng: random.Random) -> None:
        cluster = self.cluster
        names = sorted(cluster.clients)
        for name in rng.sample(names, k=min(2, len(names))):
            index = rng.randrange(len(cluster.servers))
            with cluster.server_locks[index]:
                cluster.move(name, index)


_FAULTS: dict[str, Callable[[Faults, random.Random], None]] = {
    "kill -9 process": Faults.kill_process,
    "SIGTERM process": Faults.term_process,
    "kill -9 redis": Faults.kill_redis,
    "redis down": Faults.redis_down,
    "redis frozen": Faults.freeze_redis,
    "restart everything": Faults.restart_everything,
    "clients moved": Faults.move_clients,
    "room emptied": Faults.empty_room,
    "process cut off redis": Faults.partition,
    "process frozen": Faults.freeze_process,
}
