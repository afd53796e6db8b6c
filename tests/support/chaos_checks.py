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

from sync.redis_store import TRIM_LAG_MS, RedisDocuments, log_key
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
    whether compaction kept them bounded."""

    def __init__(self, url: str, rooms: list[str], compact_after: int) -> None:
        self._url = url
        self._rooms = rooms
        self._compact_after = compact_after
        self._samples: list[tuple[float, str, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_streams, daemon=True)
        self.failures: list[str] = []
        self.max_len = 0
        self.added = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample_streams(self) -> None:
        """Every second: each room stream's length and entries ever added (XINFO), with
        the snapshot's floor, read in one transaction so a compaction cannot slip between."""
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
                exists, info, floor = pipe.execute(raise_on_error=False)
        except redis.RedisError:
            return
        if not exists or isinstance(info, Exception):
            return
        length, added = int(info["length"]), int(info["entries-added"])
        self._samples.append((time.monotonic(), key, length, added))
        first = info.get("first-entry")
        if first is not None and floor is not None and _id(first[0]) < _id(floor):
            self.failures.append(f"{key}: entry {first[0]!r} below the floor {floor!r}")

    def check(self) -> None:
        """Compaction bounds every stream: it never holds more than the entries added in
        the last TRIM_LAG_MS plus the time leases take to expire (two in a row: the holder
        killed, then its successor; 30 s each), plus a few compaction intervals."""
        allowance = 4 * self._compact_after
        window = TRIM_LAG_MS / 1000 + 60.0
        added: dict[str, int] = {}
        for at, key, length, total in self._samples:
            self.max_len = max(self.max_len, length)
            added[key] = total
            earlier = [s[3] for s in self._samples if s[1] == key and s[0] <= at - window]
            recent = total - max(earlier) if earlier else total
            if length > recent + allowance:
                self.failures.append(
                    f"{key} held {length} entries, more than the {recent} added in the "
                    f"last {window:.0f} s plus {allowance}"
                )
                break
        self.added = sum(added.values())


def _id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)
