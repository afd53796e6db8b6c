"""The live room as the viewer sees it: the room's layer documents (shared, presenter,
private) kept in sync, presence on the shared layer, and the pose channel, all on the
network thread. The frame loop reads `view` and `others`, which are replaced whole (never
mutated), so reading them costs nothing and needs no lock."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pycrdt import Awareness, Doc, Map

from clients.xr.marks import Lead, MarksReader, PageKey, PageMarks, read_lead
from clients.xr.network import NetworkThread
from clients.xr.poses import NOBODY, Others, PoseClient, PoseSample
from clients.xr.ysync import LinkStatus, YLayerClient

LAYERS = ("shared", "presenter", "private")
REFRESH_HZ = 15.0
PRESENCE_HZ = 15.0


@dataclass(frozen=True, slots=True)
class Person:
    user: str
    name: str
    device: str
    book: str | None
    page: int | None


@dataclass(frozen=True, slots=True)
class SessionView:
    version: int = 0
    marks: dict[PageKey, PageMarks] = field(default_factory=dict)
    lead: Lead = field(default_factory=Lead)
    people: tuple[Person, ...] = ()
    links: dict[str, LinkStatus] = field(default_factory=dict)
    read_only: dict[str, str] = field(default_factory=dict)


def layer_url(ws_base: str, room: str, layer: str, token: str) -> str:
    return f"{ws_base}/ws/rooms/{quote(room, safe='')}/{layer}?token={quote(token, safe='')}"


def _person(state: Any) -> Person | None:
    if not isinstance(state, dict) or not isinstance(state.get("user"), str):
        return None
    page = state.get("page")
    book = state.get("book")
    name = state.get("name")
    return Person(
        user=state["user"],
        name=name if isinstance(name, str) else state["user"],
        device=str(state.get("device", "")),
        book=book if isinstance(book, str) else None,
        page=page if isinstance(page, int) and not isinstance(page, bool) else None,
    )


class LiveRoom:
    def __init__(
        self,
        ws_base: str,
        room: str,
        token: str,
        presence: dict[str, Any],
        *,
        pose_rate_hz: float = 30.0,
        layer_urls: dict[str, str] | None = None,
        poses_url: str | None = None,
    ) -> None:
        self.view = SessionView()
        self.others: Others = NOBODY
        self._net = NetworkThread()
        self._docs: dict[str, Doc[Any]] = {layer: Doc() for layer in LAYERS}
        self._awareness = Awareness(self._docs["shared"])
        self._presence = dict(presence)
        self._presence_sent = 0.0
        self._presence_pending = False
        urls = layer_urls or {layer: layer_url(ws_base, room, layer, token) for layer in LAYERS}
        self._clients = {
            layer: YLayerClient(
                url,
                self._docs[layer],
                awareness=self._awareness if layer == "shared" else None,
                on_change=self._changed,
                on_status=lambda status: self._changed(),
            )
            for layer, url in urls.items()
        }
        pose_url = (
            poses_url
            or f"{ws_base}/ws/rooms/{quote(room, safe='')}/poses?token={quote(token, safe='')}"
        )
        self.poses = PoseClient(pose_url, rate_hz=pose_rate_hz, on_others=self._set_others)
        self._marks = MarksReader(self._docs)
        self._dirty = True
        self._version = 0

    # --- frame-loop side ---------------------------------------------------------------

    def start(self) -> None:
        self._net.start()
        self._net.call(lambda: self._awareness.set_local_state(dict(self._presence)))
        for client in self._clients.values():
            self._net.spawn(client.run)
        self._net.spawn(self.poses.run)
        self._net.spawn(self._refresh_loop)

    def offer_pose(self, sample: PoseSample) -> None:
        self.poses.offer(sample)

    def set_presence(self, **fields: Any) -> None:
        """Update what others see of this viewer; sent at most 15 times a second."""
        if all(self._presence.get(k) == v for k, v in fields.items()):
            return
        self._presence.update(fields)
        if not self._presence_pending:
            self._presence_pending = True
            self._net.call(self._flush_presence_soon)

    def lead(self, book: str, page: int, leader: str) -> None:
        """Make this viewer's book and page the one followers go to (presenters only)."""

        def write() -> None:
            session = self._docs["presenter"].get("session", type=Map)
            with self._docs["presenter"].transaction():
                session["leader"] = leader
                session["book"] = book
                session["page"] = page
                session["follow"] = True

        self._net.call(write)

    def bookmark(self, book: str, page: int, user: str) -> None:
        def write() -> None:
            layer = "shared" if "shared" not in self.view.read_only else "private"
            annotations = self._docs[layer].get("annotations", type=Map)
            key = f"{user}-bookmark-{book}-{page}"
            annotations[key] = {
                "type": "bookmark",
                "book": book,
                "page": page,
                "creator": user,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }

        self._net.call(write)

    def cpu_time(self) -> float:
        return self._net.cpu_time()

    def close(self) -> None:
        async def farewell() -> None:
            await asyncio.gather(*(c.leave() for c in self._clients.values()))

        self._net.stop(farewell)

    # --- network-thread side -----------------------------------------------------------

    def _changed(self) -> None:
        self._dirty = True

    def _set_others(self, others: Others) -> None:
        self.others = others

    def _flush_presence_soon(self) -> None:
        wait = self._presence_sent + 1.0 / PRESENCE_HZ - time.monotonic()
        if wait > 0:
            self._net.loop.call_later(wait, self._flush_presence)
        else:
            self._flush_presence()

    def _flush_presence(self) -> None:
        self._presence_pending = False
        self._presence_sent = time.monotonic()
        self._awareness.set_local_state(dict(self._presence))

    async def _refresh_loop(self) -> None:
        while True:
            if self._dirty:
                self._dirty = False
                self._publish()
            await asyncio.sleep(1.0 / REFRESH_HZ)

    def _publish(self) -> None:
        me = self._awareness.client_id
        people = tuple(
            p
            for client, state in self._awareness.states.items()
            if client != me and (p := _person(state)) is not None
        )
        self._version += 1
        self.view = SessionView(
            version=self._version,
            marks=self._marks.read(),
            lead=read_lead(self._docs["presenter"]),
            people=people,
            links={layer: c.status for layer, c in self._clients.items()},
            read_only={layer: c.read_only for layer, c in self._clients.items() if c.read_only},
        )
