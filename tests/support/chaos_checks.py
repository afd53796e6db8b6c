"""What a chaos run checks (tests/support/chaos.py): convergence of the clients' states,
what a process loading a room from Redis would read, the length of each room's Redis stream
over the run, and the servers' logs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
from pycrdt import Doc, Map, Text

from sync.redis_store import RedisDocuments, log_key
from tests.support.chaos_cluster import LAYER

# The only log lines chaos may cause: warnings that say what it did (servers log at
# warning level); anything else, a traceback above all, is a problem.
_EXPECTED_LOG = re.compile(
    r"readingroom\.sync (Redis is unreachable; |Redis answers again; |"
    r"handed Redis the edits a stopped process left)|"
    r"readingroom\.sync\.poses\S* pose relay: Redis (is unreachable \(|answers again)"
)


def converged(state: dict[str, Any]) -> bool:
    """Every client (of the `state` command of tests/js/chaos-writers.mjs) is connected
    and synced, holds every edit made, nothing else, and one state per room."""
    peers = state.get("peers", {})
    if not peers:
        return False
    digests: dict[str, set[str]] = {}
    for peer in peers.values():
        if not (peer["connected"] and peer["synced"]) or peer["lost"] or peer["extra"]:
            return False
        digests.setdefault(peer["room"], set()).add(peer["digest"])
    return all(len(d) == 1 for d in digests.values())


def summary(state: dict[str, Any]) -> str:
    return "; ".join(
        f"{name}: connected={p['connected']} synced={p['synced']} lost={p['lost']} "
        f"extra={p['extra']} digest={p['digest']}"
        for name, p in sorted(state.get("peers", {}).items())
    )


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


def scan_logs(paths: list[Path]) -> list[str]:
    """Every line of the servers' logs that chaos does not explain."""
    problems = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if line.strip() and not _EXPECTED_LOG.search(line):
                problems.append(f"{path.name}: {line}")
    return problems


class StreamWatch:
    """Samples each room's Redis stream every second in a thread; `check` then says
    whether compaction and trimming kept them short.

    The bound follows from the mechanism: an entry stays in a stream until a snapshot holds
    it and then until the trim lag has passed. A snapshot follows within a few checks once
    a room goes quiet (or every `compact_after` entries while it is busy), later by up to
    two lease expiries in a row when a seed kills the lease holder and then its successor,
    or by a fault that stops everything (Redis frozen up to 12 s); the sweep comes at the
    next check after the lag. So no entry may be older, by Redis's clock, than the lag, two
    leases, five checks, the longest fault and a margin for a loaded machine."""

    MARGIN_SECONDS = 30.0
    LONGEST_FAULT_SECONDS = 12.0

    def __init__(
        self, url: str, rooms: list[str], trim_lag: float, lease: float, check: float
    ) -> None:
        self._url = url
        self._rooms = rooms
        self.limit_seconds = (
            trim_lag + 2 * lease + 5 * check + self.LONGEST_FAULT_SECONDS + self.MARGIN_SECONDS
        )
        self._samples: list[tuple[str, int, int, float]] = []  # key, length, added, age s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_streams, daemon=True)
        self.failures: list[str] = []
        self.max_len = 0
        self.max_age = 0.0
        self.added = 0
        self.final: dict[str, int] = {}  # each stream's length at its last sample

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample_streams(self) -> None:
        """Every second: each room stream's length, entries ever added and oldest entry
        (XINFO) with Redis's clock and the snapshot's floor, read in one transaction so a
        compaction cannot slip between."""
        client = redis.Redis.from_url(self._url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            while not self._stop.wait(1.0):
                for room in self._rooms:
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
                pipe.time()
                exists, info, floor, now = pipe.execute(raise_on_error=False)
        except redis.RedisError:
            return
        if not exists or isinstance(info, Exception) or isinstance(now, Exception):
            return
        first = info.get("first-entry")
        age = 0.0
        if first is not None:
            now_ms = int(now[0]) * 1000 + int(now[1]) // 1000
            age = max(0.0, (now_ms - _id(first[0])[0]) / 1000)
            if floor is not None and _id(first[0]) < _id(floor):
                self.failures.append(f"{key}: entry {first[0]!r} below the floor {floor!r}")
        self._samples.append((key, int(info["length"]), int(info["entries-added"]), age))

    def check(self) -> None:
        """No stream ever held an entry older than `limit_seconds`."""
        too_old: set[str] = set()
        for key, length, _, age in self._samples:
            self.max_len = max(self.max_len, length)
            self.max_age = max(self.max_age, age)
            self.final[key] = length
            if age > self.limit_seconds and key not in too_old:
                too_old.add(key)
                self.failures.append(
                    f"{key} held an entry {age:.0f} s old ({length} entries), longer than "
                    f"compaction and trimming allow ({self.limit_seconds:.0f} s)"
                )
        self.added = sum(_last_added(self._samples).values())


def drained(url: str, rooms: list[str], within: float) -> float | None:
    """Seconds until every room's stream is empty and its snapshot stored (None: not
    within `within`)."""
    client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    started = time.monotonic()
    try:
        while time.monotonic() - started < within:
            with client.pipeline(transaction=False) as pipe:
                for room in rooms:
                    key = log_key(f"{room}/{LAYER}")
                    pipe.xlen(key)
                    pipe.hexists(key.replace(":log", ":snap"), "snap")
                answers = pipe.execute()
            if all(n == 0 for n in answers[::2]) and all(answers[1::2]):
                return time.monotonic() - started
            time.sleep(0.5)
    finally:
        client.close()
    return None


def _last_added(samples: list[tuple[str, int, int, float]]) -> dict[str, int]:
    last: dict[str, int] = {}
    for key, _, added, _ in samples:
        last[key] = added
    return last


def _id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)
