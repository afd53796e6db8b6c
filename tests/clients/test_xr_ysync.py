"""The viewer's own y-websocket client (pycrdt) and the official npm `yjs` + `y-websocket`
client in one room document converge: highlights, an ink stroke whose points grow while
it is drawn, and awareness, both ways. Served by the Node reference server
`@y/websocket-server` (the protocol's reference) until readingroom's sessions land."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Awareness, Doc, Map

from clients.xr.marks import MarksReader
from clients.xr.ysync import YLayerClient
from tests.support.live_server import LiveServer
from tests.support.net import free_port
from tests.support.node import JS_DIR, Node

pytestmark = pytest.mark.node


async def converge_with_js_peer(
    node: Node, base: str, room_path: str, url: str, token: str = ""
) -> None:
    peer = await asyncio.create_subprocess_exec(
        node.executable,
        str(Path(JS_DIR) / "xr-yjs-peer.mjs"),
        base,
        room_path,
        *([token] if token else []),
        cwd=JS_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    doc: Doc[Any] = Doc()
    awareness = Awareness(doc)
    awareness.set_local_state({"user": "viewer", "name": "Viewer", "device": "xr"})
    client = YLayerClient(url, doc, awareness=awareness)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.synced.wait(), 30)
        annotations = doc.get("annotations", type=Map)
        strokes = doc.get("strokes", type=Map)
        annotations["viewer-highlight"] = {
            "type": "highlight",
            "book": "book-a",
            "page": 1,
            "target": {"rect": {"x": 0.1, "y": 0.6, "w": 0.3, "h": 0.04}},
            "creator": "viewer",
        }
        points: Array[list[float]] = Array()
        with doc.transaction():
            strokes["viewer-stroke"] = Map({"book": "book-a", "page": 1, "points": points})
        for i in range(3):
            points.append([0.5, 0.1 * i, 0.5])
            await asyncio.sleep(0.02)

        async def js_arrived() -> None:
            while True:
                js_stroke = strokes.get("js-stroke") if "js-stroke" in strokes else None
                js_points = js_stroke.to_py().get("points", []) if js_stroke is not None else []
                people = [s for c, s in awareness.states.items() if c != awareness.client_id]
                if (
                    "js-highlight" in annotations
                    and len(js_points) == 5
                    and any(p.get("user") == "js-peer" for p in people)
                ):
                    return
                await asyncio.sleep(0.02)

        await asyncio.wait_for(js_arrived(), 45)
        stdout, stderr = await asyncio.wait_for(peer.communicate(), 60)
        assert peer.returncode == 0, stderr.decode() + stdout.decode()
        seen = json.loads(stdout.decode().strip().splitlines()[-1])
        assert seen["annotations"] == ["js-highlight", "viewer-highlight"]
        assert seen["strokes"] == {"js-stroke": 5, "viewer-stroke": 3}
        assert any(o.get("user") == "viewer" for o in seen["others"])
        # What the viewer draws from it: both highlights and both strokes on page 1.
        marks = MarksReader({"shared": doc}).read()[("book-a", 1)]
        assert len(marks.highlights) == 2 and len(marks.strokes) == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if peer.returncode is None:
            peer.kill()
            await peer.wait()


async def test_converges_with_the_official_client_on_the_reference_server(
    node: Node, reference_server: str
) -> None:
    await converge_with_js_peer(
        node, reference_server, "room-x-shared", f"{reference_server}/room-x-shared"
    )


async def test_with_nothing_listening_it_keeps_retrying_quietly() -> None:
    closed_port = free_port()
    client = YLayerClient(f"ws://127.0.0.1:{closed_port}/x", Doc(), open_timeout=1)
    task = asyncio.create_task(client.run())
    states = set()
    async with asyncio.timeout(30):
        while client.status.state != "retrying":  # nothing listening: keeps trying, quietly
            states.add(client.status.state)
            await asyncio.sleep(0.01)
    assert states <= {"connecting"}
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_refused_connection_stops_for_good(live_server: LiveServer) -> None:
    """A bad token (or, before sessions land, a route the server does not have) cannot get
    better by retrying: the client stops and says why."""
    url = f"{live_server.ws_url}/ws/rooms/test-room/shared?token=not-a-token"
    client = YLayerClient(url, Doc(), open_timeout=30)
    await asyncio.wait_for(client.run(), 60)
    assert client.status.state == "stopped"
    assert client.status.detail
