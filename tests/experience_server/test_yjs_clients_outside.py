"""Live sessions as unmodified npm `yjs` 13 + `y-websocket` 3 clients meet them from outside:
each client in its own Node process (tests/js/sync-outside-peer.mjs), so it can be killed
(kill -9), frozen (SIGSTOP, a backgrounded tab or a sleeping laptop: its socket stays open
but nothing is read or answered) and thawed; the server is the real `serve` process, killed
and restarted on the same port. Every scenario ends with every client holding the same
document and nothing anyone wrote missing.

y-websocket keeps nothing on disk; a client that survives its own crash is emulated as
y-indexeddb does it: it saves its document after every edit and starts again from it.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from pycrdt import Doc, Map

from experience_server.auth.errors import AuthenticationError
from experience_server.services import build_issuer
from experience_server.settings import Settings
from tests.conftest import LiveServerFactory
from tests.support.live_server import LiveServer
from tests.support.net import wait_until
from tests.support.node import Node
from tests.support.tokens import token
from tests.sync.yjs_peers import YjsPeers

pytestmark = pytest.mark.node

# The websocket keepalive at its shortest sensible setting, so a frozen client is found
# out (ping interval + timeout) in seconds rather than the default 40.
QUICK_KEEPALIVE = {
    "READINGROOM_WS_PING_INTERVAL_SECONDS": "1",
    "READINGROOM_WS_PING_TIMEOUT_SECONDS": "2",
    "READINGROOM_LOG_LEVEL": "info",
}
DEADLINE = 30.0


class Client:
    """One y-websocket client in its own Node process."""

    def __init__(self, node: Node, server: LiveServer, room: str) -> None:
        self.driver = YjsPeers(node.executable, script="sync-outside-peer.mjs")
        self.server = server
        self.room = room

    def __call__(self, cmd: str, timeout: float = DEADLINE, **args: Any) -> Any:
        return self.driver(cmd, timeout=timeout, **args)

    def open(self, token: str, layer: str = "shared", **extra: Any) -> None:
        url = f"{self.server.ws_url}/ws/rooms/{self.room}"
        self("open", url=url, layer=layer, token=token, **extra)

    @property
    def pid(self) -> int:
        return self.driver.process.pid

    def kill(self) -> None:
        self.driver.process.kill()
        self.driver.process.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.driver.process.poll() is None:
            os.kill(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.driver.stop()

    def closes(self) -> int:
        """How many closes the client saw so far (a later `waitClose` waits for the next)."""
        return len(self("status")["closes"])

    def blip(self) -> None:
        """Its socket drops (no goodbye), and the client reconnects by itself."""
        seen = self.closes()
        self("blip")
        self("waitClose", after=seen)
        self("synced")


ClientFactory = Callable[..., Client]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the scenarios that do not restart it; each uses a room of its own."""
    live = LiveServer(tmp_path_factory.mktemp("outside") / "data", QUICK_KEEPALIVE)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def clients(node: Node) -> Iterator[Callable[[LiveServer, str], Client]]:
    made: list[Client] = []

    def make(server: LiveServer, room: str) -> Client:
        client = Client(node, server, room)
        made.append(client)
        return client

    yield make
    for client in made:
        client.stop()


def expired(server: LiveServer, jwt: str) -> bool:
    try:
        build_issuer(Settings(data_dir=server.data_dir)).verify(jwt)
    except AuthenticationError:
        return True
    return False


def participants(server: LiveServer, room: str) -> list[str]:
    response = httpx.get(
        f"{server.url}/api/v1/rooms/{room}/participants",
        headers={"Authorization": f"Bearer {token(server, 'observer', 'admin')}"},
        timeout=10,
    )
    return [p["name"] for p in response.json()["participants"]]


def open_websockets(server: LiveServer) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    found = re.search(r"^readingroom_websockets_open (\S+)$", text, re.MULTILINE)
    assert found is not None
    return float(found.group(1))


def eventually(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    wait_until(check, timeout, what)


def saved_keys(path: Path) -> set[str]:
    """The entries a client had saved to disk (read with pycrdt, not by the client)."""
    doc: Doc[Any] = Doc()
    doc.apply_update(path.read_bytes())
    return set(doc.get("annotations", type=Map).keys())


def converge(*members: Client, **content: Any) -> Any:
    """Wait until every client holds the same document; returns it."""
    eventually(
        lambda: len({member("digest", **content) for member in members}) == 1,
        "the clients to converge",
    )
    return members[0]("content", **content)


def test_a_client_killed_mid_burst_is_freed_and_restarts_from_its_saved_state(
    server: LiveServer, clients: ClientFactory, tmp_path: Path
) -> None:
    room = "killed-client"
    alice, bob, victim = (clients(server, room) for _ in range(3))
    for client, user in ((alice, "alice"), (bob, "bob"), (victim, "victor")):
        client.open(token(server, user), awareness={"user": user})
        client("synced")
    bob("waitAwareness", states=[{"user": "alice"}, {"user": "victor"}])
    saved = tmp_path / "victor.ydoc"
    victim("burst", prefix="v", count=400, interval=5, persist=str(saved))
    alice("burst", prefix="a", count=150, interval=10)
    alice("waitSize", size=60)
    victim.kill()

    bob("waitAwareness", states=[{"user": "alice"}])
    eventually(lambda: participants(server, room) == ["Alice", "Bob"], "victor to leave")
    written_before_death = saved_keys(saved)
    assert 0 < len(written_before_death) < 400

    again = clients(server, room)
    again.open(token(server, "victor"), load=str(saved), awareness={"user": "victor"})
    again("synced")
    alice("burstDone")
    final = converge(alice, bob, again)["annotations"]
    assert written_before_death <= set(final)
    assert {f"a-{i}" for i in range(150)} <= set(final)
    bob("waitAwareness", states=[{"user": "alice"}, {"user": "victor"}])
    assert participants(server, room) == ["Alice", "Bob", "Victor"]


@pytest.mark.slow
def test_a_frozen_client_is_dropped_and_resyncs_when_it_wakes(
    server: LiveServer, clients: ClientFactory
) -> None:
    """SIGSTOP keeps the socket open with nobody reading or answering pings: while the
    others fill its buffers the server must still let it go, then take it back."""
    room = "frozen-client"
    alice, sleeper = clients(server, room), clients(server, room)
    alice.open(token(server, "alice"), awareness={"user": "alice"})
    sleeper.open(token(server, "sam"), awareness={"user": "sam"})
    for client in (alice, sleeper):
        client("synced")
    eventually(lambda: open_websockets(server) == 2.0, "only this test's sockets open")
    sleeper("burst", prefix="s", count=300, interval=5)
    sleeper.freeze()
    try:
        alice("burst", prefix="a", count=600, interval=5, pad=4000)
        eventually(lambda: participants(server, room) == ["Alice"], "the frozen client to go")
        eventually(lambda: open_websockets(server) == 1.0, "its connection to be freed")
        alice("waitAwareness", states=[])
        alice("burstDone")
    finally:
        sleeper.thaw()
    written_by_sleeper = sleeper("burstDone")
    sleeper("synced")
    final = converge(alice, sleeper)["annotations"]
    assert {f"s-{i}" for i in range(written_by_sleeper)} | {f"a-{i}" for i in range(600)} == set(
        final
    )
    alice("waitAwareness", states=[{"user": "sam"}])
    assert participants(server, room) == ["Alice", "Sam"]


@pytest.mark.slow
def test_server_killed_and_stopped_while_clients_edit_loses_nothing(
    live_server_factory: LiveServerFactory, clients: ClientFactory
) -> None:
    """kill -9 (with a 1 s flush interval the server surely loses its last updates), clients
    editing on while it is down, the server back on the same port; then a graceful stop
    (SIGTERM). The clients reconnect by themselves and resend what the server lacks."""
    server = live_server_factory(
        env={**QUICK_KEEPALIVE, "READINGROOM_SYNC_FLUSH_INTERVAL_MS": "1000"}
    )
    room = "restarts"
    users = ("ann", "ben", "cat")
    members = [clients(server, room) for _ in users]
    for member, user in zip(members, users, strict=True):
        member.open(token(server, user), awareness={"user": user}, maxBackoff=1000)
        member("synced")
    for round_, stop in enumerate((server.kill, server.stop)):
        for member, user in zip(members, users, strict=True):
            member("burst", prefix=f"{user}{round_}", count=200, interval=10)
        members[0]("waitSize", size=200 * round_ + 90)
        seen = members[0].closes()
        stop()
        members[0]("waitClose", after=seen)
        members[1]("set", key=f"offline-{round_}", value={"while": "the server was down"})
        server.start()
        for member in members:
            member("burstDone")
            member("synced")
        final = converge(*members)["annotations"]
        wanted = {f"{u}{r}-{i}" for u in users for r in range(round_ + 1) for i in range(200)}
        assert wanted | {f"offline-{r}" for r in range(round_ + 1)} == set(final)
        for member, user in zip(members, users, strict=True):
            # At once, not at the clients' next renewal (up to 15 s away).
            others = [{"user": u} for u in users if u != user]
            member("waitAwareness", states=others, timeout=10)
    codes = [close["code"] for close in members[2]("status")["closes"]]
    assert codes[0] == 1006, "kill -9: the socket just drops"
    assert 1012 in codes, "SIGTERM: uvicorn closes with 1012 (service restart)"
    for member in members:
        member("close")
    fresh = clients(server, room)
    fresh.open(token(server, "auditor", "guest"))
    fresh("waitSize", size=2 * 3 * 200 + 2)


def test_rapid_reconnects_leave_no_peers_presence_or_memory_behind(
    server: LiveServer, clients: ClientFactory
) -> None:
    room = "churn"
    watcher, churner, blinker = (clients(server, room) for _ in range(3))
    watcher.open(token(server, "watcher"), awareness={"user": "watcher"})
    blinker.open(token(server, "blinker"), awareness={"user": "blinker"})
    for client in (watcher, blinker):
        client("synced")
    url = f"{server.ws_url}/ws/rooms/{room}"
    churn = {"url": url, "layer": "shared", "token": token(server, "churner"), "wait": "mixed"}
    rss = psutil.Process(server.pid).memory_info().rss
    churner("churn", count=90, prefix="warmup", timeout=120, **churn)
    warmed = psutil.Process(server.pid).memory_info().rss
    for round_ in range(3):
        churner("churn", count=90, prefix=f"c{round_}", timeout=120, **churn)
        blinker.blip()
    eventually(lambda: participants(server, room) == ["Blinker", "Watcher"], "churners to leave")
    watcher("waitAwareness", states=[{"user": "blinker"}])
    eventually(lambda: open_websockets(server) == 2.0, "their sockets to close")
    grown = psutil.Process(server.pid).memory_info().rss - warmed
    assert grown < 32 * 1024 * 1024, f"RSS grew {grown >> 20} MiB over 270 more connections"
    assert warmed - rss < 64 * 1024 * 1024
    synced = {f"{p}-{i}" for p in ("warmup", "c0", "c1", "c2") for i in range(0, 90, 3)}
    watcher("waitSize", size=len(synced))
    assert set(converge(watcher, blinker)["annotations"]) == synced


def test_presence_is_back_at_once_after_a_network_blip(
    server: LiveServer, clients: ClientFactory
) -> None:
    """y-websocket re-announces its presence at the clock the others already hold; they
    would ignore it until the client renewed it (15-30 s) unless the server relays it above
    the clock of the removal it sent."""
    room = "blip"
    alice, bob = clients(server, room), clients(server, room)
    alice.open(token(server, "alice"), awareness={"user": "alice"})
    bob.open(token(server, "bob"), awareness={"user": "bob"})
    alice("waitAwareness", states=[{"user": "bob"}])
    for blip in range(3):
        bob("setAwareness", state={"user": "bob", "page": blip})  # renewal due in 15 s
        alice("waitAwareness", states=[{"user": "bob", "page": blip}])
        bob.blip()
        alice("waitAwareness", states=[{"user": "bob", "page": blip}], timeout=10)


def test_a_read_only_client_stays_read_only_across_reconnects(
    server: LiveServer, clients: ClientFactory
) -> None:
    room = "read-only"
    writer, guest = clients(server, room), clients(server, room)
    writer.open(token(server, "wendy"))
    guest.open(token(server, "gus", "guest"))
    for client in (writer, guest):
        client("synced")
    guest("set", key="graffiti", value={"by": "gus"})
    assert "guests" in guest("waitDenial")[0]
    for attempt in range(3):
        writer("set", key=f"note-{attempt}", value={"by": "wendy"})
        guest("waitSize", size=attempt + 2)
        denied = len(guest("status")["denials"])
        guest.blip()
        # Its sync step 2 carries the graffiti again: dropped again, and it is told again.
        assert "guests" in guest("waitDenial", after=denied)[0]
        guest("set", key=f"graffiti-{attempt}", value={"by": "gus"})
    assert set(writer("content")["annotations"]) == {f"note-{i}" for i in range(3)}
    fresh = clients(server, room)
    fresh.open(token(server, "fred"))
    fresh("synced")
    assert set(fresh("content")["annotations"]) == {f"note-{i}" for i in range(3)}


def test_a_token_expiring_mid_session_is_refused_on_reconnect_with_a_clear_reason(
    server: LiveServer, clients: ClientFactory
) -> None:
    room = "expiry"
    writer, eve = clients(server, room), clients(server, room)
    writer.open(token(server, "wendy"))
    short_lived = token(server, "eve", ttl=2)
    eve.open(short_lived)
    for client in (writer, eve):
        client("synced")
    eventually(lambda: expired(server, short_lived), "the token to expire")
    eve("set", key="after-expiry", value=1)
    writer("waitSize", size=1)  # the open connection stays (tokens are checked on connect)
    seen = eve.closes()
    eve("blip")
    refused = eve("waitClose", after=seen + 1)[-1]
    assert refused["code"] == 4401 and "expired" in refused["reason"]
    terminal = eve("status")["terminal"]
    assert terminal == [{"code": 4401, "reason": refused["reason"]}], "y-websocket 3 stops"
    eve("set", key="while-refused", value=1)
    eve("setToken", token=token(server, "eve"))
    eve("connect")
    eve("synced")
    assert set(converge(writer, eve)["annotations"]) == {"after-expiry", "while-refused"}


def test_large_document_on_join_and_large_offline_work_on_reconnect(
    server: LiveServer, clients: ClientFactory
) -> None:
    """3 MB on join (one sync step 2 from the server), then 2 MB written offline by a
    client, which y-websocket sends in one sync step 2 of its own when it reconnects."""
    room = "large"
    alice, bob = clients(server, room), clients(server, room)
    alice.open(token(server, "alice"))
    alice("synced")
    size = alice("bigText", name="book", chunks=300, chunkBytes=10_000)
    bob.open(token(server, "bob"))
    bob("synced")
    bob("waitTextLength", name="book", length=size)
    bob("disconnect")
    alice("bigText", name="book", chunks=20, chunkBytes=10_000, prefix="A")
    bob("bigText", name="book", chunks=200, chunkBytes=10_000, prefix="B")
    bob("connect")
    bob("synced")
    book = converge(alice, bob, maps=[], texts=["book"])["book"]
    assert len(book) == size + 220 * 10_000
    assert bob("status")["closes"] == [], "no 1009 (message too big) loop"
    late = clients(server, room)
    late.open(token(server, "lea"))
    late("waitTextLength", name="book", length=len(book))


def test_handshake_log_lines_carry_no_token(server: LiveServer, clients: ClientFactory) -> None:
    """uvicorn logs each websocket handshake with its path; the query string held the token
    (a bearer credential naming its user) until it was redacted."""
    client = clients(server, "logs")
    secret = token(server, "lena")
    client.open(secret)
    client("synced")
    eventually(lambda: "[accepted]" in server.log_path.read_text(), "the handshake to be logged")
    log = server.log_path.read_text()
    assert secret not in log
    assert "token=ey" not in log
