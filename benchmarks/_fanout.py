"""The fan-out harness shared by the live-session benchmarks: start servers, spread one
writer and many readers (tests/js/sync-fanout.mjs) over them, and collect every update's
latency with the CPU the servers and clients spent meanwhile.

Each reader process is one group, tagged with the server its readers are connected to, so
a run with readers on several servers can be split by server afterwards
(`Run.result(label, on=...)`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


def wait_http(url: str, timeout: float = 30.0, *, ok_only: bool = False) -> None:
    """Wait until `url` answers (with 200 when `ok_only`, e.g. /readyz once Redis is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2.0)
            if not ok_only or response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str  # ws:// URL the client prefixes the room name with
    room_prefix: str
    token: str | None

    def target(self, room: str) -> tuple[str, str]:
        """(serverUrl, roomname) of `room` for the y-websocket client."""
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
def readingroom(
    data_dir: Path, extra_env: dict[str, str] | None = None, name: str = "readingroom"
) -> Iterator[Server]:
    """One `serve` process on a free port; ready once /readyz says so (Redis included)."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "READINGROOM_DATA_DIR": str(data_dir),
        "READINGROOM_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    cli = [sys.executable, "-m", "experience_server"]
    process = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        wait_http(f"http://127.0.0.1:{port}/readyz", ok_only=True)
        token = subprocess.run(
            [*cli, "token", "--user", "bench", "--role", "reader"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        yield Server(name, process, f"ws://127.0.0.1:{port}", "ws/rooms", token)
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


def ask(process: subprocess.Popen[str], command: str, timeout: float) -> dict[str, Any]:
    assert process.stdin is not None
    process.stdin.write(f"{command}\n")
    process.stdin.flush()
    return read_json(process, timeout)


@dataclass
class Result:
    """The readers of one run (or of the part of it connected to one server)."""

    label: str
    readers: int
    sent: int
    seconds: float  # measured span of the writer
    received: int
    latencies: np.ndarray  # shape (n, 2): receive time (ms since epoch), latency (ms)
    closes: int
    cpu_percent: dict[str, float]  # watched process -> % of one core over the run
    client_cpu_percent: float

    @property
    def lost(self) -> int:
        return self.sent * self.readers - self.received

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies[:, 1], q)) if len(self.latencies) else 0.0

    def max(self) -> float:
        return float(self.latencies[:, 1].max()) if len(self.latencies) else 0.0


@dataclass
class Group:
    """What one reader process measured."""

    server: str
    readers: int
    received: int
    closes: int
    latencies: np.ndarray


@dataclass
class Run:
    sent: int
    seconds: float
    groups: list[Group]
    cpu_percent: dict[str, float]
    client_cpu_percent: float

    def result(self, label: str, on: str | None = None) -> Result:
        """All readers, or only those connected to the server named `on`."""
        groups = [g for g in self.groups if on is None or g.server == on]
        latencies = [g.latencies for g in groups] or [np.empty((0, 2))]
        return Result(
            label,
            sum(g.readers for g in groups),
            self.sent,
            self.seconds,
            sum(g.received for g in groups),
            np.concatenate(latencies),
            sum(g.closes for g in groups),
            self.cpu_percent,
            self.client_cpu_percent,
        )


def run(
    node: str,
    writer: Server,
    readers: Sequence[tuple[Server, int]],
    rate: float,
    seconds: float,
    warmup: float,
    watch: Sequence[tuple[str, int]] = (),
) -> Run:
    """One writer on `writer`, `count` readers on each (server, count), all in one fresh
    room; CPU is measured for every server involved plus the `watch` (name, pid) list."""
    room = f"bench-{uuid.uuid4().hex[:10]}"
    token = [writer.token] if writer.token else []
    groups: list[tuple[Server, int, subprocess.Popen[str]]] = []
    for server, total in readers:
        for first in range(0, total, READERS_PER_PROCESS):
            count = min(READERS_PER_PROCESS, total - first)
            url, name = server.target(room)
            auth = [server.token] if server.token else []
            groups.append((server, count, spawn(node, "readers", url, name, str(count), *auth)))
    url, name = writer.target(room)
    process = spawn(node, "writer", url, name, str(rate), str(seconds), str(warmup), *token)
    clients = [p for _, _, p in groups] + [process]
    servers = {s.name: s.process.pid for s in [writer, *(s for s, _ in readers)]}
    watched = [(n, psutil.Process(pid)) for n, pid in [*servers.items(), *watch]]
    try:
        for group in clients:
            read_json(group, 60)
        time.sleep(0.5)
        client_procs = [psutil.Process(p.pid) for p in clients]
        before = [sum(p.cpu_times()[:2]) for _, p in watched]
        clients_before = sum(sum(c.cpu_times()[:2]) for c in client_procs)
        wall_before = time.monotonic()
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
        sent = int(read_json(process, warmup + seconds + 30)["sent"])
        drain([p for _, _, p in groups], sent * sum(count for _, count in readers))
        after = [sum(p.cpu_times()[:2]) for _, p in watched]
        clients_after = sum(sum(c.cpu_times()[:2]) for c in client_procs if c.is_running())
        wall = time.monotonic() - wall_before
        cpu = {n: (a - b) / wall * 100 for (n, _), b, a in zip(watched, before, after, strict=True)}
        measured = []
        for server, count, group in groups:
            report = ask(group, "report", 60)
            samples = np.array(report["latencies"], dtype=np.float64).reshape(-1, 2)
            received = sum(report["received"])
            measured.append(Group(server.name, count, received, int(report["closes"]), samples))
        return Run(sent, seconds, measured, cpu, (clients_after - clients_before) / wall * 100)
    finally:
        for client in clients:
            stop(client)


def drain(groups: list[subprocess.Popen[str]], expected: int) -> None:
    """Wait for late updates until all arrived or none arrived for 3 s (at most 30 s)."""
    last, stalled_since, deadline = -1, time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline:
        total = sum(int(ask(group, "count", 30)["count"]) for group in groups)
        if total >= expected:
            return
        if total != last:
            last, stalled_since = total, time.monotonic()
        elif time.monotonic() - stalled_since > 3:
            return
        time.sleep(0.5)
