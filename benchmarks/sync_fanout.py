"""Fan-out of live-session updates: readingroom against the Node reference server
(`@y/websocket-server` 0.1.1 on yjs 13), side by side in one run, with the same Node client
script (tests/js/sync-fanout.mjs) for both.

One writer sets a map entry `rate` times a second for `seconds`; every reader records when
each entry arrives. Printed per server: p50/p99/max fan-out latency, lost updates, server
CPU and the clients' CPU (when the clients saturate the machine, latencies measure them,
not the server: compare with the Node row); then, with many readers, the latency per time
window (it must not grow over the run).

    python -m benchmarks.sync_fanout [--readers 50] [--many 200] [--rate 100] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
JS_DIR = ROOT / "tests" / "js"
READERS_PER_PROCESS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str  # ws:// URL the client prefixes the room name with
    room_prefix: str
    token: str | None
    rooms: Iterator[int] = field(default_factory=lambda: iter(range(1_000_000)))

    def target(self) -> tuple[str, str]:
        """(serverUrl, roomname) of a fresh room for the y-websocket client."""
        room = f"bench{next(self.rooms)}-{uuid.uuid4().hex[:6]}"
        if self.room_prefix:
            return f"{self.base_url}/{self.room_prefix}/{room}", "shared"
        return self.base_url, room


@contextmanager
def node_reference(node: str) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    script = JS_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
    process = subprocess.Popen(
        [node, str(script)],
        cwd=JS_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        yield Server("node @y/websocket-server 0.1.1", process, f"ws://127.0.0.1:{port}", "", None)
    finally:
        stop(process)


@contextmanager
def readingroom(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "READINGROOM_DATA_DIR": str(data_dir),
        "READINGROOM_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "experience_server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "experience_server",
                "token",
                "--user",
                "bench",
                "--role",
                "reader",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        yield Server("readingroom", process, f"ws://127.0.0.1:{port}", "ws/rooms", token)
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def spawn(node: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [node, str(JS_DIR / "sync-fanout.mjs"), *args],
        cwd=JS_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        bufsize=1,
    )


def read_json(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("a benchmark client exited early")
        try:
            data: dict[str, Any] = json.loads(line)
            return data
        except ValueError:
            continue
    raise TimeoutError("a benchmark client did not answer")


@dataclass
class Result:
    server: str
    readers: int
    sent: int
    received: int
    latencies: np.ndarray  # shape (n, 2): receive time (ms since epoch), latency (ms)
    closes: int
    cpu_percent: float
    client_cpu_percent: float

    @property
    def lost(self) -> int:
        return self.sent * self.readers - self.received

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies[:, 1], q)) if len(self.latencies) else 0.0


def run(
    server: Server, node: str, readers: int, rate: float, seconds: float, warmup: float
) -> Result:
    url, room = server.target()
    token = [server.token] if server.token else []
    groups = []
    left = readers
    while left > 0:
        count = min(READERS_PER_PROCESS, left)
        groups.append(spawn(node, "readers", url, room, str(count), *token))
        left -= count
    writer = spawn(node, "writer", url, room, str(rate), str(seconds), str(warmup), *token)
    try:
        for group in groups:
            read_json(group, 60)
        read_json(writer, 30)
        time.sleep(0.5)
        proc = psutil.Process(server.process.pid)
        clients = [psutil.Process(p.pid) for p in [*groups, writer]]
        cpu_before = proc.cpu_times()
        clients_before = sum(sum(c.cpu_times()[:2]) for c in clients)
        wall_before = time.monotonic()
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        sent = int(read_json(writer, warmup + seconds + 30)["sent"])
        drain(groups, sent * readers)
        cpu_after = proc.cpu_times()
        clients_after = sum(sum(c.cpu_times()[:2]) for c in clients if c.is_running())
        wall = time.monotonic() - wall_before
        cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / wall
        client_cpu = (clients_after - clients_before) / wall
        received = 0
        closes = 0
        samples = []
        for group in groups:
            assert group.stdin is not None
            group.stdin.write("report\n")
            group.stdin.flush()
            report = read_json(group, 60)
            received += sum(report["received"])
            closes += int(report["closes"])
            samples.extend(report["latencies"])
        latencies = np.array(samples, dtype=np.float64).reshape(-1, 2)
        return Result(
            server.name, readers, sent, received, latencies, closes, cpu * 100, client_cpu * 100
        )
    finally:
        for process in [*groups, writer]:
            stop(process)


def drain(groups: list[subprocess.Popen[str]], expected: int) -> None:
    """Wait for late updates until all arrived or none arrived for 3 s (at most 30 s)."""
    last, stalled_since, deadline = -1, time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline:
        total = 0
        for group in groups:
            assert group.stdin is not None
            group.stdin.write("count\n")
            group.stdin.flush()
            total += int(read_json(group, 30)["count"])
        if total >= expected:
            return
        if total != last:
            last, stalled_since = total, time.monotonic()
        elif time.monotonic() - stalled_since > 3:
            return
        time.sleep(0.5)


def windows(result: Result, seconds: float, width: float) -> list[tuple[float, float, float]]:
    """(window start s, p50 ms, p99 ms) over the run."""
    data = result.latencies
    if not len(data):
        return []
    start = data[:, 0].min()
    out = []
    for begin in np.arange(0.0, seconds, width):
        mask = (data[:, 0] >= start + begin * 1000) & (data[:, 0] < start + (begin + width) * 1000)
        if mask.any():
            lat = data[mask, 1]
            out.append((float(begin), float(np.percentile(lat, 50)), float(np.percentile(lat, 99))))
    return out


def print_table(results: list[Result]) -> None:
    """Each readingroom row is compared with the Node row of its round."""
    reference: dict[int, Result] = {}
    print(
        f"{'server':<32} {'readers':>7} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'lost':>6} {'closed':>6} {'cpu %':>6} {'clients':>7} {'p99/node':>8}"
    )
    for index, r in enumerate(results):
        pair = results[index - 1 : index + 2]
        if r.server.startswith("node"):
            reference[r.readers] = r
        else:
            for other in pair:
                if other.server.startswith("node") and other.readers == r.readers:
                    reference[r.readers] = other
        ref = reference.get(r.readers)
        ratio = r.percentile(99) / ref.percentile(99) if ref and ref.percentile(99) else 1.0
        print(
            f"{r.server:<32} {r.readers:>7} {r.sent:>6} {r.percentile(50):>8.2f} "
            f"{r.percentile(99):>8.2f} {r.latencies[:, 1].max() if len(r.latencies) else 0:>8.1f} "
            f"{r.lost:>6} {r.closes:>6} {r.cpu_percent:>6.0f} {r.client_cpu_percent:>7.0f} "
            f"{ratio:>8.2f}"
        )


def print_medians(results: list[Result]) -> None:
    by_server: dict[str, list[Result]] = {}
    for r in results:
        by_server.setdefault(r.server, []).append(r)
    print(f"\nmedian over {len(next(iter(by_server.values())))} alternating rounds")
    print(f"{'server':<32} {'p50 ms':>8} {'p99 ms':>8} {'lost':>6} {'p99/node':>8}")
    node_p99 = None
    for server, runs in by_server.items():
        p50 = float(np.median([r.percentile(50) for r in runs]))
        p99 = float(np.median([r.percentile(99) for r in runs]))
        if server.startswith("node"):
            node_p99 = p99
        ratio = p99 / node_p99 if node_p99 else 1.0
        lost = sum(r.lost for r in runs)
        print(f"{server:<32} {p50:>8.2f} {p99:>8.2f} {lost:>6} {ratio:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--many", type=int, default=200, help="0 skips the long-run check")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--many-seconds", type=float, default=None)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the 50-reader pair")
    parser.add_argument("--timeline", action="store_true", help="windows for every run")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the readingroom server (repeatable)",
    )
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not installed")
    many_seconds = args.many_seconds or args.seconds
    results: list[Result] = []
    many: list[Result] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        node_reference(node) as ref,
        readingroom(Path(tmp), dict(item.split("=", 1) for item in args.env)) as ours,
    ):
        for round_ in range(args.rounds):
            for server in (ref, ours) if round_ % 2 == 0 else (ours, ref):
                results.append(
                    run(server, node, args.readers, args.rate, args.seconds, args.warmup)
                )
        if args.many:
            for server in (ref, ours):
                many.append(run(server, node, args.many, args.rate, many_seconds, args.warmup))
    print(f"\n1 writer, {args.rate:g} updates/s for {args.seconds:g} s")
    print_table(results + many)
    if args.rounds > 1:
        print_medians(results)
    for r in (results + many) if args.timeline else many:
        print(f"\n{r.server}, {r.readers} readers: latency by {args.window:g} s window")
        print(f"{'from s':>6} {'p50 ms':>8} {'p99 ms':>8}")
        spans = windows(r, max(args.seconds, many_seconds), args.window)
        for begin, p50, p99 in spans:
            print(f"{begin:>6.0f} {p50:>8.2f} {p99:>8.2f}")
        if len(spans) > 1:
            print(f"last window p99 / first window p99: {spans[-1][2] / spans[0][2]:.2f}")


if __name__ == "__main__":
    main()
