"""The live-session service: rooms in memory, one entry point per thing the web layer does
(serve a channel, list participants, steer the session, export and import annotations).

Rooms are loaded on first use and dropped when nobody has been connected to them for
`idle_unload_seconds`; their documents are compacted into the store when they go. Any room
id matching `members.ROOM_ID` is a session room; the rooms catalogue is not consulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pycrdt import Map

from sync.annotations import Annotation, read_annotations, write_annotations
from sync.awareness import encode_awareness
from sync.channel import Channel, ChannelClosed, CloseCode
from sync.connection import Connection
from sync.document import LayerDocument
from sync.errors import DocumentFull, InvalidInput, InvalidRoom, NotAllowed, UnknownLayer
from sync.limits import Limits
from sync.members import Access, Layer, Member, Rank, SessionState, check_room_id
from sync.peer import Peer
from sync.protocol import awareness_message
from sync.refusals import RefusalBackoff
from sync.room import Room
from sync.store import SessionStore
from sync.w3c import annotations_in, import_annotation

if TYPE_CHECKING:  # redis-py is imported only when Redis is configured
    from sync.relay import RedisRelay

# An awareness update with no entries: y-protocols clients take it as a no-op message.
KEEPALIVE = awareness_message(encode_awareness([]))

log = logging.getLogger("readingroom.sync")

MAX_USER_ID = 200
SESSION_MAP = "session"
MAX_ACCESS_USERS = 2000


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    role: str


class SessionService:
    def __init__(
        self, store: SessionStore, limits: Limits, relay: RedisRelay | None = None
    ) -> None:
        self._store = store
        self.relay = relay
        self.limits = limits
        self._rooms: dict[str, Room] = {}
        self._room_loading: dict[str, asyncio.Future[Room]] = {}
        self._keepalive: asyncio.Task[None] | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._sent_at_sweep: dict[Peer, int] = {}
        self._refusals = RefusalBackoff()
        self.connections = 0

    async def start(self) -> None:
        await self._store.open()
        if self.relay is not None:
            await self.relay.start()
        loop = asyncio.get_running_loop()
        self._keepalive = loop.create_task(self._keep_alive())
        self._reaper = loop.create_task(self._drop_stalled())

    async def stop(self) -> None:
        for task in (self._keepalive, self._reaper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._keepalive = self._reaper = None
        for room in self._rooms.values():
            for _, peer in room.peers():
                peer.close(CloseCode.GOING_AWAY, "the server is restarting")
            for doc in room.docs.values():
                if doc.unload_timer is not None:
                    doc.unload_timer.cancel()
                doc.compact()
        self._rooms.clear()
        if self.relay is not None:
            await self.relay.stop()
        await self._store.close()

    async def _keep_alive(self) -> None:
        """Every `keepalive_seconds`, an empty awareness message to each peer that was sent
        nothing since the last sweep (y-websocket reconnects after 30 s of silence)."""
        while True:
            await asyncio.sleep(self.limits.keepalive_seconds)
            before, self._sent_at_sweep = self._sent_at_sweep, {}
            for room in self._rooms.values():
                for _, peer in room.peers():
                    if before.get(peer) == peer.sent:
                        peer.send(KEEPALIVE)
                    self._sent_at_sweep[peer] = peer.sent

    async def _drop_stalled(self) -> None:
        """Close peers that stopped reading. A frozen client (a backgrounded phone tab, a
        sleeping laptop) keeps its socket open with the server's send buffer full: the
        websocket keepalive then closes the transport gracefully, which waits for that
        buffer to drain, so no disconnect ever reaches us. Without this the peer would stay
        a participant with its presence shown until the client woke up."""
        limit = self.limits.stalled_send_seconds
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(limit / 4)
            now = loop.time()
            for room in list(self._rooms.values()):
                for _, peer in list(room.peers()):
                    if peer.stalled(now, limit):
                        peer.close(
                            CloseCode.TRY_AGAIN_LATER, "stopped reading: reconnect to resync"
                        )

    def room_count(self) -> int:
        return len(self._rooms)

    async def _room(self, room_id: str) -> Room:
        check_room_id(room_id)
        while (pending := self._room_loading.get(room_id)) is not None:
            await asyncio.shield(pending)
        room = self._rooms.get(room_id)
        if room is not None:
            # Returned with no await after the lookup: the room cannot be released before
            # the caller attaches a document to it.
            return room
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._room_loading[room_id] = future
        try:
            room = Room(room_id, self._store, self.limits, self.relay)
            await room.load_state()
            self._rooms[room_id] = room
            future.set_result(room)
            return room
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        finally:
            del self._room_loading[room_id]

    async def _document(self, room: Room, layer: Layer, user: str) -> LayerDocument:
        doc = await room.document(layer, user)
        if not doc.peers:
            self._schedule_unload(room, doc)
        return doc

    # The websocket

    async def serve(self, channel: Channel, room_id: str, layer_name: str, member: Member) -> None:
        """Run one y-websocket connection until either side closes it."""
        try:
            layer = Layer.parse(layer_name)
            room = await self._room(room_id)
        except (InvalidRoom, UnknownLayer) as exc:
            bad = (CloseCode.BAD_REQUEST, member.user, room_id, layer_name)
            await self.refuse(channel, CloseCode.BAD_REQUEST, str(exc), bad)
            return
        if not room.state.access.admits(member):
            shut_out = (CloseCode.FORBIDDEN, member.user, room_id)
            self._release(room)
            await self.refuse(channel, CloseCode.FORBIDDEN, "this room is restricted", shut_out)
            return
        try:
            doc = await room.document(layer, member.user)
        except Exception:
            log.exception("loading a room document failed")
            await channel.close(CloseCode.INTERNAL_ERROR, "the room could not be loaded")
            return
        loop = asyncio.get_running_loop()
        peer = Peer(channel, member, self.limits, loop.time())
        self.connections += 1
        try:
            await Connection(channel, room, layer, doc, peer, self.limits).run()
        finally:
            self.connections -= 1
            if not doc.peers:
                self._schedule_unload(room, doc)

    async def refuse(self, channel: Channel, code: int, reason: str, key: Hashable) -> None:
        """Close a connection that cannot be served; the same refusal repeated soon waits
        first (see sync.refusals), reading and dropping what the client sends meanwhile."""
        delay = self._refusals.delay(key, asyncio.get_running_loop().time())
        if delay > 0:
            try:
                async with asyncio.timeout(delay):
                    while True:
                        await channel.recv()
            except TimeoutError:
                pass
            except ChannelClosed:
                return
        await channel.close(code, reason)

    def _schedule_unload(self, room: Room, doc: LayerDocument) -> None:
        if doc.unload_timer is not None:
            doc.unload_timer.cancel()
        doc.unload_timer = asyncio.get_running_loop().call_later(
            self.limits.idle_unload_seconds, self._unload, room, doc
        )

    def _release(self, room: Room) -> None:
        """Forget a room nobody uses (its state is in the store); called with no await
        between getting the room and here, so nobody else holds it half-way."""
        if not room.docs and not room.busy and self._rooms.get(room.id) is room:
            del self._rooms[room.id]

    def _unload(self, room: Room, doc: LayerDocument) -> None:
        doc.unload_timer = None
        if doc.peers or room.docs.get(doc.key) is not doc:
            return
        doc.compact()
        del room.docs[doc.key]
        if self.relay is not None:
            self.relay.detach(doc)
        doc.relay = None
        self._release(room)

    # Presence

    async def participants(self, room_id: str, member: Member) -> list[Participant]:
        """Who is connected: display names and roles only, one entry per user."""
        room = await self._admitted(room_id, member)
        seen: dict[str, Participant] = {}
        for _, peer in room.peers():
            seen.setdefault(peer.member.user, Participant(peer.member.name, peer.member.rank.name))
        self._release(room)
        return sorted(seen.values(), key=lambda p: (p.name.casefold(), p.role))

    # Session state

    async def session(self, room_id: str, member: Member) -> SessionState:
        room = await self._admitted(room_id, member)
        self._release(room)
        return room.state

    async def set_lecture(self, room_id: str, member: Member, lecture: bool) -> SessionState:
        room = await self._steering(room_id, member)
        room.state.lecture = lecture
        room.save_state()
        room.resync_writers()
        await self._set_session_field(room, member, "lecture", lecture)
        return room.state

    async def set_access(
        self, room_id: str, member: Member, min_rank: Rank, users: list[str]
    ) -> SessionState:
        """Restrict who may join (teachers and above always may); members already
        connected who no longer qualify are closed with 4403."""
        room = await self._steering(room_id, member)
        if len(users) > MAX_ACCESS_USERS or any(not u or len(u) > MAX_USER_ID for u in users):
            raise InvalidInput("the user list is too long or holds an invalid user id")
        room.state.access = Access(min_rank=min_rank, users=frozenset(users))
        room.save_state()
        for _, peer in list(room.peers()):
            if not room.state.access.admits(peer.member):
                peer.close(CloseCode.FORBIDDEN, "this room is now restricted")
        self._release(room)
        return room.state

    async def hand_over(self, room_id: str, member: Member, user: str | None) -> SessionState:
        """Hand presenting to `user` (None takes it back). The presenter layer's `session`
        map gets `leader` set, so followers turn with the new leader."""
        room = await self._steering(room_id, member)
        if user is not None and not 0 < len(user) <= MAX_USER_ID:
            raise InvalidInput("user must be a user id")
        room.state.presenter = user
        room.save_state()
        room.resync_writers()
        leader = user if user is not None else member.user
        await self._set_session_field(room, member, "leader", leader)
        return room.state

    async def _set_session_field(self, room: Room, member: Member, key: str, value: Any) -> None:
        """Write one field of the presenter layer's `session` map, so clients see it live."""
        doc = await self._document(room, Layer.presenter, member.user)

        def change(ydoc: Any) -> None:
            ydoc.get(SESSION_MAP, type=Map)[key] = value

        doc.edit(change)

    async def _admitted(self, room_id: str, member: Member) -> Room:
        room = await self._room(room_id)
        if not room.state.access.admits(member):
            raise NotAllowed("this room is restricted")
        return room

    async def _steering(self, room_id: str, member: Member) -> Room:
        if member.rank < Rank.teacher:
            raise NotAllowed("only teachers and above steer a session")
        return await self._admitted(room_id, member)

    # Annotations

    async def annotations(
        self, room_id: str, member: Member, layers: list[Layer]
    ) -> list[tuple[Layer, Annotation]]:
        room = await self._admitted(room_id, member)
        found: list[tuple[Layer, Annotation]] = []
        for layer in layers:
            doc = await self._document(room, layer, member.user)
            found.extend((layer, a) for a in read_annotations(doc.doc))
        return found

    async def import_annotations(
        self, room_id: str, member: Member, layer: Layer, payload: Any
    ) -> list[str]:
        """Write W3C annotations into a layer the member may write; returns their ids."""
        room = await self._admitted(room_id, member)
        denial = room.state.write_denial(layer, member)
        if denial is not None:
            raise NotAllowed(denial)
        items = annotations_in(payload)
        annotations = [
            import_annotation(item, creator=member.user, index=i) for i, item in enumerate(items)
        ]
        doc = await self._document(room, layer, member.user)
        estimate = sum(len(json.dumps(a.to_value())) for a in annotations)
        if doc.size + estimate > self.limits.max_document_bytes:
            raise DocumentFull("the room document has no room for these annotations")
        if annotations:
            doc.edit(lambda ydoc: write_annotations(ydoc, annotations))
        return [a.id for a in annotations]
