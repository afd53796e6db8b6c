"""Pose channel under a full room: N headsets sending at 72 Hz, the server ticking at 30 Hz.

Starts `python -m experience_server serve` as a subprocess and drives every socket from this
one asyncio process (uvloop when installed), so the client side stays light enough not to
starve the server on two cores. Measures the server process's CPU with psutil, the bytes a
snapshot spends per other user, and latency two ways:

- latency: a pose's send until it appears in a snapshot at another client (the newest pose
  is what a snapshot carries; a pose overtaken before the tick never appears);
- staleness: every pose sent, until a receiver holds it or a newer one from that user
  (what a user sees: how old someone's shown movement can be).

With `--redis`, a redis-server is started too and the clients are split over two server
processes sharing the room through it; latency is reported for users on the same process
and across processes, and CPU for each process and for Redis.

    python -m benchmarks.poses [--clients 40] [--send-hz 72] [--tick-hz 30] [--seconds 15]
                               [--floors 1] [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import psutil
from numpy.typing import NDArray
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from experience_server.auth.embedded import EmbeddedIssuer
from experience_server.auth.roles import Role
from sync.poses.codec import (
    HEADER_SIZE,
    RECORD_DTYPE,
    MessageType,
    Poses,
    encode_pose_frames,
)
from sync.poses.control import (
    decode_roster,
    decode_welcome,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_CPU = 60.0
TARGET_BYTES = 32.0
TARGET_P99_MS = 50.0
MOTION_FRAMES = 72
MAX_USERS = 256


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """readingroom in a subprocess, as `readingroom serve` runs it."""

    def __init__(self, data_dir: Path, tick_hz: float, redis_url: str | None = None) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "READINGROOM_DATA_DIR": str(data_dir),
            "READINGROOM_LOG_LEVEL": "warning",
            "READINGROOM_POSE_TICK_HZ": str(tick_hz),
        }
        if redis_url is not None:
            self.env["READINGROOM_REDIS_URL"] = redis_url
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [sys.executable, "-m", "experience_server", "serve", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited during start")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5).is_success:
                    return self
            time.sleep(0.05)
        raise TimeoutError("server did not start")

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def token(self, user: str, role: Role) -> str:
        secret = (self.data_dir / "token-secret").read_bytes()
        return EmbeddedIssuer(secret, "readingroom", "readingroom", 3600).issue(user, role)

    def counts(self) -> dict[str, int]:
        headers = {"Authorization": f"Bearer {self.token('bench-admin', Role.admin)}"}
        response = httpx.get(
            f"http://127.0.0.1:{self.port}/api/v1/admin/status", headers=headers, timeout=5
        )
        counts: dict[str, int] = response.json()["counts"]
        return counts


class RedisServer:
    """A throwaway redis-server (no persistence) for `--redis`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("--redis needs redis-server on PATH")
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def motion(index: int, clients: int, floor: int) -> list[bytearray]:
    """One second of a user standing in a circle of the room, looking around and gesturing;
    frames are patched with a running sequence number when sent."""
    t = np.arange(MOTION_FRAMES) / MOTION_FRAMES * 2 * np.pi
    angle = 2 * np.pi * index / clients
    centre = np.array([4.0 * np.cos(angle), 1.6, 4.0 * np.sin(angle)])
    head = centre + np.stack([0.05 * np.sin(t), 0.02 * np.cos(2 * t), 0.05 * np.cos(t)], axis=1)
    yaw = angle + 0.4 * np.sin(t)
    rotation = np.stack([np.zeros_like(t), np.sin(yaw / 2), np.zeros_like(t), np.cos(yaw / 2)], 1)
    hand = np.stack([0.3 * np.cos(t), -0.4 + 0.2 * np.sin(t), 0.3 * np.sin(t)], axis=1)
    poses = Poses(
        head_position=head,
        head_rotation=rotation,
        left_position=head + hand,
        left_rotation=rotation,
        right_position=head - hand,
        right_rotation=rotation,
        left_tracked=np.ones(MOTION_FRAMES, dtype=bool),
        right_tracked=np.ones(MOTION_FRAMES, dtype=bool),
        floor=np.full(MOTION_FRAMES, floor, dtype=np.int64),
    )
    frames = encode_pose_frames(np.zeros(MOTION_FRAMES), poses)
    return [bytearray(frames[i : i + 1].tobytes()) for i in range(MOTION_FRAMES)]


@dataclass
class Measurements:
    """Filled by every receiver, indexed by user number; `recording` is off during warm-up."""

    sent_at: NDArray[np.float64]
    floor_of: NDArray[np.int64]
    process_of: NDArray[np.int64]
    recording: bool = False
    latency: list[NDArray[np.float64]] = field(default_factory=list)
    latency_far: list[NDArray[np.float64]] = field(default_factory=list)
    latency_across: list[NDArray[np.float64]] = field(default_factory=list)
    staleness: list[NDArray[np.float64]] = field(default_factory=list)
    snapshots: int = 0
    records: int = 0
    snapshot_bytes: int = 0
    sends: int = 0
    closed: list[str] = field(default_factory=list)


class Headset:
    def __init__(
        self,
        socket: ClientConnection,
        number: int,
        process: int,
        floor: int,
        frames: list[bytearray],
    ) -> None:
        self.socket = socket
        self.number = number
        self.process = process
        self.floor = floor
        self.frames = frames
        self.seq = 0
        self.open = True
        # Newest seq received from each user; -1 before any.
        self.newest = np.full(MAX_USERS, -1, dtype=np.int64)
        # Which user holds each slot, as this connection's roster says (slots differ
        # between processes).
        self.user_of = np.full(256, -1, dtype=np.intp)

    async def receive(self, m: Measurements) -> None:
        try:
            await self._receive(m)
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                m.closed.append(f"{exc.rcvd.code} {exc.rcvd.reason}")
        finally:
            self.open = False

    async def _receive(self, m: Measurements) -> None:
        async for data in self.socket:
            now = time.perf_counter()
            if not isinstance(data, bytes):
                continue
            if data[1] == MessageType.roster:
                self.user_of[:] = -1
                for entry in decode_roster(data).users:
                    self.user_of[entry.slot] = int(entry.user.removeprefix("bench-"))
                continue
            if data[1] != MessageType.snapshot:
                continue
            records = np.frombuffer(data, dtype=RECORD_DTYPE, offset=HEADER_SIZE)
            slots = self.user_of[records["slot"].astype(np.intp)]
            seq = records["seq"].astype(np.int64)
            previous = self.newest[slots]
            self.newest[slots] = seq
            if not m.recording:
                continue
            m.snapshots += 1
            m.records += len(records)
            m.snapshot_bytes += len(data)
            latency = now - m.sent_at[slots, seq]
            same_floor = m.floor_of[slots] == self.floor
            here = m.process_of[slots] == self.process
            m.latency.append(latency[same_floor & here])
            m.latency_far.append(latency[~same_floor])
            m.latency_across.append(latency[same_floor & ~here])
            # Every pose from previous+1 up to seq is now held here (or overtaken); counted
            # for users on this floor, whom the target is about.
            near_slots, near_seq = slots[same_floor], seq[same_floor]
            first = np.maximum(previous[same_floor] + 1, near_seq - MOTION_FRAMES * 10)
            counts = np.maximum(near_seq - first + 1, 0)
            total = int(counts.sum())
            if total:
                starts = np.repeat(np.cumsum(counts) - counts, counts)
                covered = np.repeat(first, counts) + np.arange(total) - starts
                m.staleness.append(now - m.sent_at[np.repeat(near_slots, counts), covered])


async def drive(headsets: list[Headset], m: Measurements, send_hz: float, until: float) -> None:
    """Send each headset's frames at `send_hz`, headsets spread evenly over the period."""
    period = 1.0 / send_hz
    start = time.perf_counter()
    due = start + np.arange(len(headsets)) * period / len(headsets)
    pack = struct.Struct("<H").pack_into
    while True:
        now = time.perf_counter()
        if now >= until:
            return
        for i in np.flatnonzero(due <= now):
            headset = headsets[i]
            if not headset.open:
                due[i] = np.inf
                continue
            seq = headset.seq & 0xFFFF
            frame = headset.frames[headset.seq % MOTION_FRAMES]
            pack(frame, 2, seq)
            m.sent_at[headset.number, seq] = time.perf_counter()
            with contextlib.suppress(ConnectionClosed):
                await headset.socket.send(bytes(frame))
            headset.seq += 1
            m.sends += 1
            # Like a headset's frame loop: after a stall it sends its current pose, it does
            # not replay the frames it missed.
            due[i] = max(due[i] + period, now)
        # Sleep at least a millisecond: shorter sleeps spin the loop and starve the server.
        await asyncio.sleep(max(0.001, float(due.min()) - time.perf_counter()))


async def join(servers: list[Server], index: int, clients: int, floors: int) -> Headset:
    process = index % len(servers)
    server = servers[process]
    token = server.token(f"bench-{index}", Role.reader)
    url = f"ws://127.0.0.1:{server.port}/ws/rooms/bench/poses?token={token}"
    socket = await connect(url, compression=None, max_queue=64)
    decode_welcome(await socket.recv(decode=False))
    floor = index % floors
    return Headset(socket, index, process, floor, motion(index, clients, floor))


def percentile_ms(chunks: list[NDArray[np.float64]], q: float) -> float:
    values = np.concatenate(chunks) if chunks else np.empty(0)
    return float(np.percentile(values, q) * 1000) if values.size else float("nan")


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def run(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-poses-")))
        redis = stack.enter_context(RedisServer()) if args.redis else None
        url = redis.url if redis is not None else None
        servers = [
            stack.enter_context(Server(tmp / f"server-{i}", args.tick_hz, url))
            for i in range(2 if args.redis else 1)
        ]
        measured = [psutil.Process(server.process.pid) for server in servers if server.process]
        if redis is not None and redis.process is not None:
            measured.append(psutil.Process(redis.process.pid))
        headsets = [await join(servers, i, args.clients, args.floors) for i in range(args.clients)]
        m = Measurements(
            sent_at=np.full((MAX_USERS, 1 << 16), np.nan),
            floor_of=np.array([h.floor for h in headsets], dtype=np.int64),
            process_of=np.array([h.process for h in headsets], dtype=np.int64),
        )
        receivers = [asyncio.create_task(h.receive(m)) for h in headsets]
        started = time.perf_counter()
        end = started + args.warmup + args.seconds
        sender = asyncio.create_task(drive(headsets, m, args.send_hz, end))
        await asyncio.sleep(args.warmup)
        m.recording = True
        cpu_before = [cpu_seconds(process) for process in measured]
        own_before = cpu_seconds(psutil.Process())
        wall_before = time.perf_counter()
        sends_before = m.sends
        await sender
        cpu_after = [cpu_seconds(process) for process in measured]
        own_after = cpu_seconds(psutil.Process())
        wall = time.perf_counter() - wall_before
        await asyncio.sleep(0.2)
        m.recording = False
        counts = [server.counts() for server in servers]
        for receiver in receivers:
            receiver.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
        for headset in headsets:
            await headset.socket.close()

    cpus = [
        (after - before) / wall * 100 for before, after in zip(cpu_before, cpu_after, strict=True)
    ]
    server_cpus = cpus[: len(servers)]
    cpu = max(server_cpus)
    own = (own_after - own_before) / wall * 100
    per_user = (m.snapshot_bytes - HEADER_SIZE * m.snapshots) / max(m.records, 1)
    with_header = m.snapshot_bytes / max(m.records, 1)
    p50 = percentile_ms(m.latency, 50)
    p99 = percentile_ms(m.latency, 99)
    rows: list[tuple[str, str, str, bool | None]] = [
        ("server CPU, % of one core", f"{cpu:.1f}", f"< {TARGET_CPU:g}", cpu < TARGET_CPU),
    ]
    if args.redis:
        rows[0] = (
            "server CPU, % of one core (busier process)",
            f"{cpu:.1f}",
            f"< {TARGET_CPU:g}",
            cpu < TARGET_CPU,
        )
        rows += [
            ("  each process", " / ".join(f"{c:.1f}" for c in server_cpus), "", None),
            ("redis-server CPU, % of one core", f"{cpus[-1]:.1f}", "", None),
        ]
    rows += [
        ("client process CPU (all sockets), % of one core", f"{own:.1f}", "", None),
        (
            "bytes per other user per snapshot",
            f"{per_user:.1f}",
            f"<= {TARGET_BYTES:g}",
            per_user <= TARGET_BYTES,
        ),
        ("  with the 4-byte header shared out", f"{with_header:.2f}", "", None),
        ("latency p50, ms (send -> in a snapshot)", f"{p50:.1f}", "", None),
        ("latency p99, ms", f"{p99:.1f}", f"<= {TARGET_P99_MS:g}", p99 <= TARGET_P99_MS),
    ]
    if args.redis:
        rows += [
            (
                "across processes: latency p50, ms",
                f"{percentile_ms(m.latency_across, 50):.1f}",
                "",
                None,
            ),
            (
                "across processes: latency p99, ms",
                f"{percentile_ms(m.latency_across, 99):.1f}",
                "",
                None,
            ),
        ]
    rows += [
        (
            "staleness p50, ms (every pose until held)",
            f"{percentile_ms(m.staleness, 50):.1f}",
            "",
            None,
        ),
        ("staleness p99, ms", f"{percentile_ms(m.staleness, 99):.1f}", "", None),
        (
            "received per client, kB/s",
            f"{m.snapshot_bytes / wall / args.clients / 1e3:.1f}",
            "",
            None,
        ),
    ]
    if args.floors > 1:
        rows += [
            (
                "other floors: latency p50, ms (at the far rate)",
                f"{percentile_ms(m.latency_far, 50):.1f}",
                "",
                None,
            ),
            ("other floors: latency p99, ms", f"{percentile_ms(m.latency_far, 99):.1f}", "", None),
        ]
    receivers_n = args.clients
    where = (
        f" over 2 server processes sharing the room through Redis ({args.clients // 2}+"
        f"{args.clients - args.clients // 2}); latency rows: same process unless marked"
        if args.redis
        else ""
    )
    print(
        f"\npose channel: {args.clients} clients x {args.send_hz:g} Hz, tick {args.tick_hz:g} Hz,"
        f" {args.floors} floor(s), {args.seconds:g} s measured after {args.warmup:g} s"
        f" warm-up; latency on the same floor{where}\n"
    )
    print(f"| {'metric':<48} | {'measured':>11} | {'target':>7} | ok  |")
    print(f"|{'-' * 50}|{'-' * 13}|{'-' * 9}|-----|")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name:<48} | {value:>11} | {target:>7} | {mark:<3} |")
    skipped = sum(c.get("pose_snapshots_skipped", 0) for c in counts)
    late = sum(c.get("pose_late_ticks", 0) for c in counts)
    remote = [c.get("pose_remote_members", 0) for c in counts]
    print(
        f"\nframes sent {m.sends - sends_before} ({(m.sends - sends_before) / wall:.0f}/s);"
        f" snapshots received {m.snapshots} ({m.snapshots / wall / receivers_n:.1f}/s per"
        f" client), {m.records / max(m.snapshots, 1):.1f} users each;"
        f" server skipped {skipped} snapshots, late ticks {late};"
        + (f" remote members per process {remote};" if args.redis else "")
        + f" connections closed by the server {len(m.closed)} {sorted(set(m.closed))};"
        f" load average at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
        " (others' jobs delay both sides)"
    )
    passed = cpu < TARGET_CPU and per_user <= TARGET_BYTES and p99 <= TARGET_P99_MS and not m.closed
    return 0 if passed else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--send-hz", type=float, default=72.0)
    parser.add_argument("--tick-hz", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--floors",
        type=int,
        default=1,
        help="spread users over this many floors (others arrive at the far rate)",
    )
    parser.add_argument(
        "--redis",
        action="store_true",
        help="split the clients over two server processes sharing the room through Redis",
    )
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        sys.exit(asyncio.run(run(args)))
    sys.exit(uvloop.run(run(args)))


if __name__ == "__main__":
    main()
