"""Live sessions against the real server (`python -m experience_server serve`), with the
official npm `yjs` + `y-websocket` clients in Node, as a browser would use them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServerFactory
from tests.support.live_server import LiveServer
from tests.support.net import wait_until
from tests.support.tokens import token
from tests.sync.yjs_peers import YjsPeers

pytestmark = pytest.mark.node


@pytest.fixture
def server(live_server_factory: LiveServerFactory) -> LiveServer:
    return live_server_factory()


def auth(server: LiveServer, user: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(server, user, role)}"}


def join(
    peers: YjsPeers,
    server: LiveServer,
    peer: str,
    user: str,
    role: str,
    *,
    room: str = "class",
    layer: str = "shared",
    sync: bool = True,
    **extra: Any,
) -> None:
    peers.open(peer, server.ws_url, room, layer, token(server, user, role), **extra)
    if sync:
        peers("synced", peer=peer)


def test_concurrent_edits_converge(server: LiveServer, peers: YjsPeers) -> None:
    for name in ("a", "b", "c"):
        join(peers, server, name, f"user-{name}", "reader")
    for name in ("a", "b", "c"):
        peers("burst", peer=name, map="annotations", prefix=name, count=60, interval=2)
        peers("insertText", peer=name, name="notes", index=0, text=f"[{name}]")
    for name in ("a", "b", "c"):
        peers("burstDone", peer=name)
    for name in ("a", "b", "c"):
        peers("waitSize", peer=name, map="annotations", size=180)
    states = [peers("get", peer=name, map="annotations") for name in ("a", "b", "c")]
    texts = [peers("text", peer=name, name="notes") for name in ("a", "b", "c")]
    assert states[0] == states[1] == states[2]
    assert texts[0] == texts[1] == texts[2]
    assert sorted(texts[0]) == sorted("[a][b][c]")


def test_read_only_writes_are_dropped_and_the_client_is_told(
    server: LiveServer, peers: YjsPeers
) -> None:
    join(peers, server, "guest", "gus", "guest")
    join(peers, server, "reader", "alice", "reader")
    peers("set", peer="guest", map="annotations", key="graffiti", value={"x": 1})
    denials = peers("waitDenial", peer="guest")
    assert "guests" in denials[0]
    peers("set", peer="reader", map="annotations", key="note", value={"x": 2})
    peers("waitKey", peer="guest", map="annotations", key="note")

    teacher = auth(server, "tess", "teacher")
    response = httpx.patch(
        f"{server.url}/api/v1/rooms/class/session", json={"lecture": True}, headers=teacher
    )
    assert response.status_code == 200
    assert response.json()["lecture"] is True
    peers("set", peer="reader", map="annotations", key="during-lecture", value={"x": 3})
    assert "lecture mode" in peers("waitDenial", peer="reader")[-1]

    join(peers, server, "fresh", "bob", "reader")
    held = peers("get", peer="fresh", map="annotations")
    assert set(held) == {"note"}


def test_a_private_layer_never_reaches_anyone_else(server: LiveServer, peers: YjsPeers) -> None:
    join(peers, server, "alice", "alice", "reader", layer="private")
    join(peers, server, "alice-phone", "alice", "reader", layer="private")
    join(peers, server, "bob", "bob", "reader", layer="private")
    join(peers, server, "admin", "root", "admin", layer="private")
    peers("set", peer="alice", map="annotations", key="mine", value={"body": "only me"})
    peers("waitKey", peer="alice-phone", map="annotations", key="mine")
    join(peers, server, "bob-later", "bob", "reader", layer="private")
    for other in ("bob", "admin", "bob-later"):
        assert peers("get", peer=other, map="annotations") == {}
    listed = httpx.get(
        f"{server.url}/api/v1/rooms/class/annotations?layer=private",
        headers=auth(server, "bob", "reader"),
    )
    assert listed.json()["total"] == 0


def test_presenter_handover_and_follow_mode(server: LiveServer, peers: YjsPeers) -> None:
    join(peers, server, "teacher", "tess", "teacher", layer="presenter")
    join(peers, server, "student", "alice", "reader", layer="presenter")
    session = {"leader": "tess", "book": "b1", "page": 4, "follow": True}
    peers("setMany", peer="teacher", map="session", entries=session)
    peers("waitValue", peer="student", map="session", key="page", value=4)

    join(peers, server, "late", "bob", "reader", layer="presenter")
    assert peers("get", peer="late", map="session") == session

    peers("set", peer="student", map="session", key="page", value=99)
    assert "presenter" in peers("waitDenial", peer="student")[0]

    teacher = auth(server, "tess", "teacher")
    handed = httpx.post(
        f"{server.url}/api/v1/rooms/class/presenter", json={"user": "alice"}, headers=teacher
    )
    assert handed.status_code == 200
    assert handed.json()["presenter"] == "alice"
    peers("waitValue", peer="late", map="session", key="leader", value="alice")
    peers("set", peer="student", map="session", key="page", value=5)
    peers("waitValue", peer="teacher", map="session", key="page", value=5)
    peers("waitValue", peer="late", map="session", key="page", value=5)

    refused = httpx.post(
        f"{server.url}/api/v1/rooms/class/presenter",
        json={"user": "alice"},
        headers=auth(server, "alice", "reader"),
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    taken = httpx.delete(f"{server.url}/api/v1/rooms/class/presenter", headers=teacher)
    assert taken.json()["presenter"] is None
    peers("waitValue", peer="late", map="session", key="leader", value="tess")


@pytest.mark.slow
def test_kill_9_and_restart_loses_nothing(
    live_server_factory: LiveServerFactory, peers: YjsPeers
) -> None:
    """With a 1 s flush interval the kill surely loses the server's last updates; the
    reconnecting clients send them again (sync step 2), and the restarted server keeps them."""
    server = live_server_factory(env={"READINGROOM_SYNC_FLUSH_INTERVAL_MS": "1000"})
    for name in ("w1", "w2"):
        join(peers, server, name, f"writer-{name}", "reader", maxBackoff=300)
        peers("burst", peer=name, map="annotations", prefix=name, count=150, interval=10)
    peers("waitSize", peer="w1", map="annotations", size=60)
    server.kill()
    server.start()
    for name in ("w1", "w2"):
        written = peers("burstDone", peer=name, timeout=60)
        assert written == 150
        peers("connected", peer=name)
        peers("synced", peer=name)
    everything = {f"{w}-{i}" for w in ("w1", "w2") for i in range(150)}
    join(peers, server, "auditor", "audit", "guest")
    peers("waitSize", peer="auditor", map="annotations", size=300, timeout=30)
    assert set(peers("get", peer="auditor", map="annotations")) == everything
    for name in ("w1", "w2", "auditor"):
        peers("close", peer=name)
    server.stop()
    server.start()
    join(peers, server, "after-restart", "audit", "guest")
    assert set(peers("get", peer="after-restart", map="annotations")) == everything


def test_participants_list_names_and_roles_only(server: LiveServer, peers: YjsPeers) -> None:
    join(peers, server, "a", "alice", "reader", awareness={"user": "alice", "page": 3})
    join(peers, server, "t", "tess", "teacher", layer="presenter")
    join(peers, server, "b", "bob", "guest")
    body = httpx.get(
        f"{server.url}/api/v1/rooms/class/participants", headers=auth(server, "bob", "guest")
    ).json()
    assert body == {
        "room": "class",
        "participants": [
            {"name": "Alice", "role": "reader"},
            {"name": "Bob", "role": "guest"},
            {"name": "Tess", "role": "teacher"},
        ],
    }
    states = peers("awareness", peer="b")
    assert {"user": "alice", "page": 3} in states
    peers("close", peer="a")

    deadline = time.monotonic() + 30
    while peers("awareness", peer="b"):
        assert time.monotonic() < deadline, "alice's presence outlived her connection"
        time.sleep(0.02)


def test_annotations_export_and_import_over_http(server: LiveServer, peers: YjsPeers) -> None:
    join(peers, server, "a", "alice", "reader")
    highlight = {
        "type": "highlight",
        "book": "b7",
        "page": 2,
        "color": "#88ccff",
        "target": {
            "quote": {"exact": "reading rooms", "prefix": "", "suffix": ""},
            "position": {"start": 10, "end": 23},
            "rect": {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.04},
        },
        "creator": "alice",
        "created": "2025-11-25T10:00:00Z",
    }
    peers("set", peer="a", map="annotations", key="h1", value=highlight)
    reader = auth(server, "bob", "reader")
    url = f"{server.url}/api/v1/rooms/class/annotations"
    deadline = time.monotonic() + 30
    while (exported := httpx.get(url, headers=reader)).json().get("total") != 1:
        assert time.monotonic() < deadline, "the highlight never reached the server"
        time.sleep(0.05)
    assert exported.headers["content-type"].startswith("application/ld+json")
    collection = exported.json()
    item = collection["first"]["items"][0]
    assert item["target"]["source"] == f"{server.url}/api/v1/books/b7/pages/2"
    values = {s["type"]: s for s in item["target"]["selector"]}
    assert values["FragmentSelector"]["value"] == "xywh=percent:10,20,30,4"

    imported = httpx.post(
        f"{url}?layer=shared",
        json={
            **item,
            "id": "urn:example:elsewhere:1",
            "motivation": "commenting",
            "body": {"type": "TextualBody", "value": "imported"},
        },
        headers=reader,
    )
    assert imported.status_code == 201
    new_id = imported.json()["ids"][0]
    note = peers("waitKey", peer="a", map="annotations", key=new_id)
    assert note["body"] == "imported"
    assert note["type"] == "note"

    refused = httpx.post(f"{url}?layer=shared", json={"type": "Annotation"}, headers=reader)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_annotation"
    guest = httpx.post(f"{url}?layer=shared", json=item, headers=auth(server, "g", "guest"))
    assert guest.status_code == 403


def test_bad_tokens_rooms_and_frames_get_close_codes(server: LiveServer, peers: YjsPeers) -> None:
    peers.open("forged", server.ws_url, "class", "shared", "not-a-token")
    closes = peers("waitClose", peer="forged")
    assert closes[0]["code"] == 4401
    peers.open("bad-room", server.ws_url, "Not A Room", "shared", token(server, "x", "reader"))
    assert peers("waitClose", peer="bad-room")[0]["code"] == 4400

    join(peers, server, "survivor", "alice", "reader")
    good = token(server, "mallory", "reader")

    async def closed_by(frame: bytes | str) -> tuple[int | None, str | None]:
        uri = f"{server.ws_url}/ws/rooms/class/shared?token={good}"
        async with websockets.connect(uri, max_size=None) as ws:
            await ws.send(frame)
            with contextlib.suppress(websockets.ConnectionClosed):
                async with asyncio.timeout(30):
                    async for _ in ws:
                        pass  # sync step 1 from the server, then the close
            return ws.close_code, ws.close_reason

    malformed = b"\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    codes = [asyncio.run(closed_by(f))[0] for f in (malformed, "text", b"\x00" * 2_000_000)]
    assert codes == [1007, 1003, 1009]
    peers("set", peer="survivor", map="annotations", key="still-here", value=1)
    join(peers, server, "check", "bob", "reader")
    peers("waitKey", peer="check", map="annotations", key="still-here")


def sees(peers: YjsPeers, peer: str, name: str) -> bool:
    return any(state and state.get("name") == name for state in peers("awareness", peer=peer))


def test_a_client_that_reconnects_is_seen_again_at_once(
    server: LiveServer, peers: YjsPeers
) -> None:
    """y-protocols clients ignore a state whose clock is not above the last they saw, and a
    reconnecting y-websocket client re-sends its state at the same clock (yjs/y-websocket
    #122): others would see it again only at its next renewal, 15 s later. The server
    answers a client's first state on a connection with that state one clock higher,
    which the client adopts and re-sends, so everyone sees it again at once."""
    join(peers, server, "x", "xena", "reader", awareness={"name": "Xena"})
    join(peers, server, "y", "yuri", "reader", awareness={"name": "Yuri"})
    wait_until(lambda: sees(peers, "x", "Yuri"), 10, "Xena to see Yuri")
    peers("disconnect", peer="y")
    wait_until(lambda: not sees(peers, "x", "Yuri"), 10, "Yuri to leave")
    peers("connect", peer="y")
    wait_until(lambda: sees(peers, "x", "Yuri"), 8, "Xena to see Yuri again")


def test_a_client_that_replaces_its_provider_is_seen_again_at_once(
    server: LiveServer, peers: YjsPeers
) -> None:
    """An app that destroys its WebsocketProvider and makes a new one on the same Y.Doc
    (to follow a load balancer to another server, say) starts a new awareness at clock 0
    under the same client id; the others remember the old one's clock and would ignore the
    new one for as many renewals (15 s each) as the old one had changes."""
    join(peers, server, "x", "xena", "reader", awareness={"name": "Xena"})
    join(peers, server, "y", "yuri", "reader", awareness={"name": "Yuri", "page": 0})
    for page in range(1, 30):
        peers("setAwareness", peer="y", state={"name": "Yuri", "page": page})
    wait_until(lambda: {"name": "Yuri", "page": 29} in peers("awareness", peer="x"), 10, "page 29")
    peers("disconnect", peer="y")
    wait_until(lambda: not sees(peers, "x", "Yuri"), 10, "Yuri to leave")
    yuri = token(server, "yuri", "reader")
    peers.move("y", server.ws_url, "class", "shared", yuri, awareness={"name": "Yuri", "page": 29})
    wait_until(lambda: sees(peers, "x", "Yuri"), 8, "Xena to see Yuri again")
