"""What Redis adds to live-session fan-out (issue 8): 1 writer and 50 readers split over
two readingroom processes sharing the room through a real redis-server, against the same
clients on one process without Redis, side by side in one run, rounds alternating.

Setups, each with the same clients (one writer process, two reader processes):
- 1 process, no Redis: the baseline, all clients on one server;
- 1 process with READINGROOM_REDIS_URL: the same, plus the XADD of every update;
- 2 processes via Redis: writer on A, half the readers on A, half on B; printed for all
  readers and for each half, so the cross-process hop (XADD, XREAD BLOCK on B, relay) shows.

Redis runs like production (AOF on, fsync every second); A and B share one data directory,
as `serve --workers N` does. The target: Redis adds at most 2 ms at p50.

    python -m benchmarks.sync_redis [--readers 50] [--rate 100] [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import redis

from benchmarks._fanout import Result, Server, free_port, readingroom, run, stop

TARGET_MS = 2.0
BASELINE = "1 process, no Redis"
WITH_REDIS = "1 process + Redis"
SPLIT = "2 processes via Redis"
ON_WRITERS = "  readers on writer's process"
ON_OTHER = "  readers on the other process"
ROWS = (BASELINE, WITH_REDIS, SPLIT, ON_WRITERS, ON_OTHER)


@dataclass(frozen=True)
class RedisServer:
    url: str
    pid: int


@contextmanager
def redis_server(executable: str, directory: Path) -> Iterator[RedisServer]:
    """A redis-server configured like production (AOF, fsync every second), on a free port."""
    directory.mkdir()
    port = free_port()
    process = subprocess.Popen(
        [
            *(executable, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
            *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield RedisServer(url, process.pid)
    finally:
        stop(process)


@dataclass(frozen=True)
class Setup:
    """Where the writer and the two reader processes go, and the rows it prints."""

    label: str
    writer: Server
    readers: list[tuple[Server, int]]
    subsets: tuple[tuple[str, str], ...] = ()  # (row label, server name)
    redis_pid: int | None = None

    def measure(self, node: str, args: argparse.Namespace) -> list[Result]:
        watch = [("redis", self.redis_pid)] if self.redis_pid else []
        ran = run(
            node, self.writer, self.readers, args.rate, args.seconds, args.warmup, watch=watch
        )
        return [ran.result(self.label)] + [ran.result(label, on) for label, on in self.subsets]


@dataclass(frozen=True)
class Row:
    round: int
    result: Result
    writer: str  # name of the writer's server process
    other: str | None  # name of the other server process, if any

    def cpu(self, name: str | None) -> float | None:
        return self.result.cpu_percent.get(name) if name else None


def added(rows: list[Row]) -> dict[tuple[int, str], tuple[float, float]]:
    """(round, label) -> (p50, p99) added over the round's baseline, in ms."""
    base = {r.round: r.result for r in rows if r.result.label == BASELINE}
    out = {}
    for r in rows:
        b = base[r.round]
        out[r.round, r.result.label] = (
            r.result.percentile(50) - b.percentile(50),
            r.result.percentile(99) - b.percentile(99),
        )
    return out


def mark(label: str, p50_added: float) -> str:
    """The target is about all readers of the two-process setup."""
    if label != SPLIT:
        return ""
    return "pass" if p50_added <= TARGET_MS else "FAIL"


HEADER = (
    f"{'setup':<31} {'readers':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} "
    f"{'+p50 ms':>8} {'<=2 ms':>6} {'+p99 ms':>8} {'cpu A':>6} {'cpu B':>6} {'redis':>6} "
    f"{'client':>6}"
)


def line(rows: list[Row], plus: dict[tuple[int, str], tuple[float, float]]) -> str:
    """One table line: a run's row, or the median of the same row over rounds. CPU belongs
    to a whole run, so the two halves of the split setup leave it blank."""
    label, readers = rows[0].result.label, rows[0].result.readers
    p50_added = float(np.median([plus[r.round, label][0] for r in rows]))
    p99_added = float(np.median([plus[r.round, label][1] for r in rows]))
    whole = label in (BASELINE, WITH_REDIS, SPLIT)
    cpus: list[list[float | None]] = [
        [r.cpu(r.writer) for r in rows],
        [r.cpu(r.other) for r in rows],
        [r.cpu("redis") for r in rows],
        [r.result.client_cpu_percent for r in rows],
    ]
    cells = []
    for values in cpus:
        known = [v for v in values if v is not None]
        cells.append(f"{np.median(known):>6.0f}" if known and whole else f"{'':>6}")
    return (
        f"{label:<31} {readers:>7} "
        f"{np.median([r.result.percentile(50) for r in rows]):>7.2f} "
        f"{np.median([r.result.percentile(99) for r in rows]):>7.2f} "
        f"{np.median([r.result.max() for r in rows]):>7.1f} "
        f"{sum(r.result.lost for r in rows):>5} "
        f"{p50_added:>+8.2f} {mark(label, p50_added):>6} {p99_added:>+8.2f} {' '.join(cells)}"
    ).rstrip()


def print_table(title: str, rows: list[Row]) -> None:
    """Rows in setup order, one line per label (the median when several rounds)."""
    plus = added(rows)
    print(f"\n{title}")
    print(HEADER)
    for label in ROWS:
        mine = [r for r in rows if r.result.label == label]
        if mine:
            print(line(mine, plus))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    args = parser.parse_args()
    node, redis_bin = shutil.which("node"), shutil.which("redis-server")
    if node is None or redis_bin is None:
        sys.exit("node and redis-server must be installed")
    if args.readers < 2:
        sys.exit("--readers must be at least 2 (they are split over two processes)")
    half, rest = args.readers // 2, args.readers - args.readers // 2
    print(f"before: {load()}")
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        redis_server(redis_bin, Path(tmp) / "redis") as store,
        readingroom(Path(tmp) / "single", name="single") as single,
        readingroom(Path(tmp) / "shared", {"READINGROOM_REDIS_URL": store.url}, name="A") as a,
        readingroom(Path(tmp) / "shared", {"READINGROOM_REDIS_URL": store.url}, name="B") as b,
    ):
        setups = [
            Setup(BASELINE, single, [(single, half), (single, rest)]),
            Setup(WITH_REDIS, a, [(a, half), (a, rest)], redis_pid=store.pid),
            Setup(
                SPLIT,
                a,
                [(a, half), (b, rest)],
                ((ON_WRITERS, a.name), (ON_OTHER, b.name)),
                store.pid,
            ),
        ]
        for round_ in range(args.rounds):
            shift = round_ % len(setups)
            for setup in setups[shift:] + setups[:shift]:
                other = next((s.name for s, _ in setup.readers if s is not setup.writer), None)
                for result in setup.measure(node, args):
                    rows.append(Row(round_, result, setup.writer.name, other))
    print(f"after:  {load()}")
    print(
        f"\n1 writer, {args.readers} readers, {args.rate:g} updates/s for {args.seconds:g} s; "
        "cpu A = the writer's process, B = the other (% of one core), client = all clients"
    )
    for round_ in range(args.rounds):
        print_table(f"round {round_ + 1}", [r for r in rows if r.round == round_])
    if args.rounds > 1:
        print_table(f"median over {args.rounds} alternating rounds (lost: sum)", rows)
    plus = added(rows)
    verdict = float(np.median([plus[r.round, SPLIT][0] for r in rows if r.result.label == SPLIT]))
    print(
        f"\ntarget (issue 8): {SPLIT} adds <= {TARGET_MS:g} ms at p50 over {BASELINE}: "
        f"median {verdict:+.2f} ms, {'pass' if verdict <= TARGET_MS else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
