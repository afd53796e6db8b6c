"""The native viewer's frame, off screen in desktop mode on this CPU-only machine (Mesa
llvmpipe), against the budget a GPU machine needs to hold 90 Hz in a headset: 11 ms a
frame, of which the viewer's own CPU work outside rendering (scene updates, the live
session, poses) may take at most 2 ms.

Three runs side by side in one process: the room alone; the room with the live session
connected and nobody else; the room with a busy session: N other users sending poses at
72 Hz (avatars) and one of them inking on the very page the viewer shows, 60 points a
second (page marks rebuilt as they arrive), from a separate process.

Starts `readingroom serve` (the real pose channel; rooms, books and live-session layers
when the server has them). Until the server serves rooms, give the room as a GLB file;
until it serves live-session layers, the Node reference server (`@y/websocket-server`)
carries them.

    python -m benchmarks.xr_viewer [--room-glb FILE] [--others 20] [--frames 400]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from panda3d.core import loadPrcFileData
from pycrdt import Array, Doc, Map
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from benchmarks.poses import ROOT, Server, free_port, motion
from clients.xr.api import ServerApi
from clients.xr.errors import ViewerError
from clients.xr.live import LiveRoom, layer_url
from clients.xr.manifests import Me
from clients.xr.scene import RoomScene, load_room
from clients.xr.ysync import YLayerClient
from experience_server.auth.roles import Role

ROOM = "bench"
BUDGET_FRAME_MS = 1000 / 90
BUDGET_OUTSIDE_MS = 2.0
JS_SERVER = ROOT / "tests/js/node_modules/@y/websocket-server/src/server.js"


@dataclass
class Run:
    name: str
    frame_ms: np.ndarray
    update_ms: np.ndarray
    network_ms_per_frame: float

    def row(self) -> list[str]:
        p50, p99 = np.percentile(self.frame_ms, [50, 99])
        u50, u99 = np.percentile(self.update_ms, [50, 99])
        outside = u50 + self.network_ms_per_frame
        ok = "yes" if outside < BUDGET_OUTSIDE_MS else "NO"
        return [
            self.name,
            f"{p50:.2f}",
            f"{p99:.2f}",
            f"{u50:.3f}",
            f"{u99:.3f}",
            f"{self.network_ms_per_frame:.3f}",
            f"{outside:.3f}",
            f"{outside / BUDGET_OUTSIDE_MS:.2f}",
            ok,
        ]


def reference_layers() -> tuple[subprocess.Popen[bytes], str] | None:
    node = shutil.which("node")
    if node is None or not JS_SERVER.is_file():
        return None
    port = free_port()
    process = subprocess.Popen(
        [node, str(JS_SERVER)],
        env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.8)
    return process, f"ws://127.0.0.1:{port}"


async def _serves_layers(url: str) -> bool:
    try:
        async with asyncio.timeout(5), connect(url) as socket:
            await socket.recv()
            return True
    except (InvalidStatus, OSError, TimeoutError):
        return False
    except Exception:
        return False


def peers_main(
    pose_url_template: str,
    tokens: list[str],
    ink_url: str | None,
    book: str,
    page: int,
    seconds: float,
) -> None:
    """The other users, in their own process: poses at 72 Hz, and ink on the shown page."""
    asyncio.run(_peers(pose_url_template, tokens, ink_url, book, page, seconds))


async def _peers(
    template: str, tokens: list[str], ink_url: str | None, book: str, page: int, seconds: float
) -> None:
    sockets = [await connect(template.format(token=t), compression=None) for t in tokens]
    frames = [motion(i, len(tokens), 0) for i in range(len(tokens))]
    end = time.perf_counter() + seconds
    tasks = [asyncio.create_task(_drain(s)) for s in sockets]
    if ink_url is not None:
        tasks.append(asyncio.create_task(_ink(ink_url, book, page, end)))
    seq = 0
    period = 1 / 72
    next_at = time.perf_counter()
    while time.perf_counter() < end:
        for socket, own in zip(sockets, frames, strict=True):
            frame = own[seq % len(own)]
            frame[2:4] = (seq & 0xFFFF).to_bytes(2, "little")
            await socket.send(bytes(frame))
        seq += 1
        next_at += period
        await asyncio.sleep(max(0.001, next_at - time.perf_counter()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for socket in sockets:
        await socket.close()


async def _drain(socket: Any) -> None:
    async for _ in socket:
        pass


async def _ink(url: str, book: str, page: int, end: float) -> None:
    doc: Doc[Any] = Doc()
    client = YLayerClient(url, doc)
    runner = asyncio.create_task(client.run())
    await asyncio.wait_for(client.synced.wait(), 10)
    strokes = doc.get("strokes", type=Map)
    n = 0
    while time.perf_counter() < end:
        points: Array[list[float]] = Array()
        with doc.transaction():
            strokes[f"bench-{n}"] = Map(
                {"book": book, "page": page, "color": "#2040c0", "width": 0.004, "points": points}
            )
        for i in range(120):  # a two-second stroke
            t = i / 120
            points.append([0.1 + 0.8 * t, 0.2 + 0.05 * n % 0.7 + 0.02 * np.sin(t * 20), 0.5])
            await asyncio.sleep(1 / 60)
            if time.perf_counter() >= end:
                break
        n += 1
    runner.cancel()


def measure(name: str, desktop: Any, viewer: Any, live: LiveRoom | None, frames: int) -> Run:
    desktop.step(30)
    viewer.update_seconds.clear()
    net_before = live.cpu_time() if live is not None else 0.0
    times = np.empty(frames)
    camera = desktop.base.camera
    for i in range(frames):
        # A head never holds still in a headset: sway, so every frame has a new pose.
        camera.setHpr(4 * np.sin(i / 9), -8 + 2 * np.sin(i / 13), 0)
        started = time.perf_counter()
        desktop.step()
        times[i] = time.perf_counter() - started
    wall = float(times.sum())
    # The network thread works per second, not per frame: charge it to 90 Hz frames.
    network = (live.cpu_time() - net_before) / wall / 90 if live is not None else 0.0
    updates = np.array(viewer.update_seconds)
    return Run(name, times * 1000, updates * 1000, network * 1000)


def room_scene(api: ServerApi, glb: Path | None) -> tuple[RoomScene, str]:
    if glb is not None:
        return load_room(glb.read_bytes(), ROOM), f"{glb.name} (file)"
    try:
        rooms = api.rooms()
    except ViewerError:
        rooms = []
    if not rooms:
        raise SystemExit("this server has no rooms yet: pass --room-glb FILE")
    manifest = api.room_manifest(rooms[0].id, "desktop")
    scene = api.room_scene(rooms[0].id, "desktop", manifest.scene.url if manifest.scene else None)
    return load_room(scene, rooms[0].id, manifest.spawn_points), f"{rooms[0].id} (server)"


def ingest(server: Server, document: Path) -> None:
    """Upload a document as a librarian and wait until its pages are rendered."""
    headers = {"Authorization": f"Bearer {server.token('bench-librarian', Role.librarian)}"}
    base = f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        with document.open("rb") as file:
            book = http.post("/api/v1/books", files={"file": (document.name, file)})
        book.raise_for_status()
        deadline = time.monotonic() + 300
        while http.get(f"/api/v1/books/{book.json()['id']}").json()["status"] != "ready":
            if time.monotonic() > deadline:
                raise SystemExit(f"{document} did not render within 5 minutes")
            time.sleep(0.5)


def first_book(api: ServerApi) -> str | None:
    try:
        ids = api.book_ids()
    except ViewerError:
        return None
    return ids[0] if ids else None


def run(args: argparse.Namespace) -> int:
    from clients.xr.desktop import Desktop, open_base
    from clients.xr.viewer import Viewer

    with tempfile.TemporaryDirectory(prefix="bench-xr-") as tmp, Server(Path(tmp), 30.0) as server:
        url = f"http://127.0.0.1:{server.port}"
        ws = f"ws://127.0.0.1:{server.port}"
        token = server.token("bench-viewer", Role.reader)
        api = ServerApi(url, token, timeout=60)
        if args.ingest is not None:
            ingest(server, args.ingest)
        room, room_label = room_scene(api, args.room_glb)
        book = first_book(api)
        layers_on_server = asyncio.run(_serves_layers(layer_url(ws, ROOM, "shared", token)))
        reference = None if layers_on_server else reference_layers()
        if layers_on_server:
            urls = {layer: layer_url(ws, ROOM, layer, token) for layer in ("shared", "presenter")}
            layers_label = "readingroom"
        elif reference is not None:
            urls = {layer: f"{reference[1]}/{ROOM}-{layer}" for layer in ("shared", "presenter")}
            layers_label = "@y/websocket-server (reference)"
        else:
            urls, layers_label = {}, "none (no Node)"
        # Wait for the GPU (llvmpipe's threads) every frame, so frame time is the real one.
        loadPrcFileData("bench", "gl-finish true")
        base = open_base(offscreen=True, size=(args.width, args.height), title="bench")
        viewer = Viewer(
            base.render, base.camera, api, room, Me(user="bench-viewer", role="reader"), "medium"
        )
        desktop = Desktop(base, viewer, quit=lambda: None)
        if book is not None:
            viewer.open_book(book, 1)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (viewer.book and viewer.book.pages_ready()):
                desktop.step()
        runs = [measure("room alone", desktop, viewer, None, args.frames)]
        presence = {"user": "bench-viewer", "name": "Bench", "role": "reader", "device": "xr"}
        live = LiveRoom(ws, ROOM, token, presence, pose_rate_hz=90.0, layer_urls=urls)
        live.start()
        viewer.live = live
        time.sleep(1.0)
        runs.append(measure("live session, nobody else", desktop, viewer, live, args.frames))
        tokens = [server.token(f"bench-peer-{i}", Role.reader) for i in range(args.others)]
        ink_url = urls.get("shared")
        shown = book or "no-book"
        peers = multiprocessing.get_context("spawn").Process(
            target=peers_main,
            args=(f"{ws}/ws/rooms/{ROOM}/poses?token={{token}}", tokens, ink_url, shown, 1, 3600.0),
            daemon=True,
        )
        peers.start()
        time.sleep(3.0)
        runs.append(
            measure(
                f"{args.others} others at 72 Hz + ink 60 pts/s", desktop, viewer, live, args.frames
            )
        )
        avatars = len(viewer.avatars)
        peers.terminate()
        peers.join(5)
        live.close()
        viewer.close()
        base.destroy()
        api.close()
        if reference is not None:
            reference[0].terminate()
            reference[0].wait(10)

    print(
        f"\nnative viewer, desktop mode off screen ({args.width}x{args.height}, Mesa llvmpipe),"
        f" {args.frames} frames a run\nroom: {room_label}, {len(room.slots)} books on shelves;"
        f" book open: {book or 'none (the server has no books yet)'}; layers: {layers_label};"
        f" avatars shown in the busy run: {avatars}\n"
    )
    head = [
        "run",
        "frame p50 ms",
        "frame p99 ms",
        "update p50 ms",
        "update p99 ms",
        "network CPU ms/90 Hz frame",
        "outside rendering ms",
        "of 2 ms",
        "ok",
    ]
    widths = [max(len(h), 36 if i == 0 else 0) for i, h in enumerate(head)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in runs:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r.row(), widths, strict=True)) + " |")
    print(
        f"\nframe budget at 90 Hz: {BUDGET_FRAME_MS:.1f} ms on a GPU machine (here llvmpipe"
        " renders on the CPU, so frame times are an upper bound); outside rendering ="
        " update p50 (frame loop: book, marks, avatars, follow, presence, pose hand-off)"
        " + the network thread's CPU a second / 90 (layers, awareness, pose channel at 90 Hz)"
    )
    worst = max(float(np.percentile(r.update_ms, 50)) + r.network_ms_per_frame for r in runs)
    return 0 if worst < BUDGET_OUTSIDE_MS else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--room-glb", type=Path, help="the room as a GLB, while the server has no rooms"
    )
    parser.add_argument("--ingest", type=Path, help="a document to upload and open (books API)")
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
