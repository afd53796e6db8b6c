"""The read side of one peer: every frame is checked (size, rate, shape, permission) and
acted on. A rule broken closes this peer only; the room and the process carry on."""

from __future__ import annotations

import asyncio
import logging

from sync.awareness import parse_awareness
from sync.channel import Channel, ChannelClosed, CloseCode
from sync.document import LayerDocument
from sync.errors import DocumentFull, PeerViolation, ProtocolError
from sync.limits import Limits, TokenBucket
from sync.members import Layer
from sync.peer import Peer
from sync.protocol import (
    AwarenessMessage,
    QueryAwarenessMessage,
    SyncMessage,
    SyncStep,
    parse_frame,
    permission_denied,
)
from sync.room import Room
from sync.ydiff import EMPTY_UPDATE

log = logging.getLogger("readingroom.sync")

SYNC_REQUEST_COST = 20.0
# A sync step 2 frame starts with these bytes (message type SYNC, step 2).
_STEP2_PREFIX = bytes((0, 1))


class Connection:
    def __init__(
        self,
        channel: Channel,
        room: Room,
        layer: Layer,
        doc: LayerDocument,
        peer: Peer,
        limits: Limits,
    ) -> None:
        self._channel = channel
        self._room = room
        self._layer = layer
        self._doc = doc
        self._peer = peer
        self._limits = limits
        self._loop = asyncio.get_running_loop()
        self._chatter = TokenBucket(
            limits.updates_per_second, limits.update_burst, self._loop.time()
        )
        self._abandoned = False

    async def run(self) -> None:
        peer = self._peer
        writer = peer.start()
        peer.on_close = lambda: self._doc.leave(peer)
        reader = asyncio.current_task()
        abandon: list[asyncio.TimerHandle] = []
        if reader is not None:
            writer.add_done_callback(
                lambda _: abandon.append(
                    self._loop.call_later(self._limits.close_grace_seconds, self._abandon, reader)
                )
            )
        self._doc.join(peer)
        try:
            try:
                while not peer.closing:
                    frame = await self._channel.recv()
                    self.handle(frame)
            except ChannelClosed:
                peer.gone()
            except PeerViolation as violation:
                peer.close(violation.code, violation.reason)
            except Exception:
                log.exception("a live-session connection failed")
                peer.close(CloseCode.INTERNAL_ERROR, "internal error")
            finally:
                peer.close(CloseCode.NORMAL, "")
                await writer
        except asyncio.CancelledError:
            if not self._abandoned or reader is None:
                raise
            reader.uncancel()
        finally:
            for handle in abandon:
                handle.cancel()

    def _abandon(self, reader: asyncio.Task[object]) -> None:
        """The peer is closed but its socket never reported the close: stop waiting."""
        if not reader.done():
            self._abandoned = True
            reader.cancel()

    def handle(self, frame: bytes | str) -> None:
        if isinstance(frame, str):
            raise PeerViolation(CloseCode.UNSUPPORTED_DATA, "binary y-websocket frames only")
        if len(frame) > self._limits.max_message_bytes and not self._answers_request(frame):
            raise PeerViolation(CloseCode.MESSAGE_TOO_BIG, "message too big")
        try:
            message = parse_frame(frame)
            if isinstance(message, SyncMessage):
                self._sync(message, frame)
            elif isinstance(message, AwarenessMessage):
                self._chat()
                self._awareness(message.payload)
            elif isinstance(message, QueryAwarenessMessage):
                self._chat()
                self._peer.send(self._doc.awareness_snapshot())
        except ProtocolError as exc:
            raise PeerViolation(CloseCode.INVALID_DATA, f"malformed message: {exc}") from None
        except DocumentFull as exc:
            raise PeerViolation(CloseCode.DOCUMENT_FULL, str(exc)) from None

    def _answers_request(self, frame: bytes) -> bool:
        """A sync step 2 the server asked for may be as large as a document: it carries
        everything the client wrote while offline, in one message y-websocket cannot split.
        Refused as too big, the client would reconnect and send it again, forever."""
        return (
            self._peer.awaiting_state > 0
            and frame.startswith(_STEP2_PREFIX)
            and len(frame) <= self._limits.max_document_bytes + 16
        )

    def _chat(self, cost: float = 1.0) -> None:
        if not self._chatter.take(self._loop.time(), cost):
            raise PeerViolation(CloseCode.RATE_LIMITED, "too many messages per second")

    def _sync(self, message: SyncMessage, frame: bytes) -> None:
        peer = self._peer
        if message.step is SyncStep.STEP1:
            # Answering encodes the whole document: a client asks once per connection, or
            # every few seconds with resyncInterval, never dozens of times a second.
            self._chat(SYNC_REQUEST_COST)
            peer.send(self._doc.reply_to_step1(message.payload))
            return
        if message.step is SyncStep.STEP2 and peer.awaiting_state > 0:
            peer.awaiting_state -= 1
        denial = self._room.state.write_denial(self._layer, peer.member)
        if denial is not None:
            if message.payload != EMPTY_UPDATE:
                self._deny(denial)
            return
        if not peer.bucket.take(self._loop.time()):
            raise PeerViolation(CloseCode.RATE_LIMITED, "too many updates per second")
        relay = frame if message.step is SyncStep.UPDATE and message.exact else None
        self._doc.apply(message.payload, peer, relay)

    def _deny(self, reason: str) -> None:
        """Tell the client its write was dropped (y-protocols auth), at most once a second."""
        now = self._loop.time()
        if now - self._peer.denied_at >= self._limits.denial_interval:
            self._peer.denied_at = now
            self._peer.send(permission_denied(reason))

    def _awareness(self, payload: bytes) -> None:
        peer = self._peer
        entries = parse_awareness(
            payload,
            max_entries=self._limits.awareness_clients_per_peer,
            max_state_bytes=self._limits.awareness_state_bytes,
        )
        for entry in entries:
            peer.awareness_pending[entry.client] = entry
        if peer.awareness_timer is not None:
            return
        wait = peer.awareness_last + 1.0 / self._limits.awareness_hz - self._loop.time()
        if wait <= 0:
            self._flush_awareness()
        else:
            peer.awareness_timer = self._loop.call_later(wait, self._flush_awareness)

    def _flush_awareness(self) -> None:
        peer = self._peer
        peer.awareness_timer = None
        if peer.closing or not peer.awareness_pending:
            return
        entries = list(peer.awareness_pending.values())
        peer.awareness_pending.clear()
        peer.awareness_last = self._loop.time()
        self._doc.relay_awareness(peer, entries)
