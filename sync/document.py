"""One layer document of a room: the server's Yjs document, its peers and their awareness.

An update from a client is applied once to the server document, appended to the store once
and relayed as one `bytes` object to every other peer (the frame itself when it is a plain
update message). The updates accepted since the last snapshot stay in memory (the snapshot
itself only until the store holds it); if applying a hostile update ever fails half way
(the Rust core can panic on crafted updates), the document is rebuilt from the snapshot and
those updates, so no frame can corrupt a room.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pycrdt import Doc

from sync.awareness import (
    AwarenessEntry,
    AwarenessRegistry,
    encode_awareness,
    parse_awareness,
)
from sync.errors import DocumentFull, ProtocolError
from sync.limits import Limits
from sync.members import Layer
from sync.peer import Peer
from sync.protocol import awareness_message, sync_step1, sync_step2, update_message
from sync.store import SessionStore
from sync.ydiff import EMPTY_UPDATE, apply_guarded, delete_set, lacking

if TYPE_CHECKING:
    from sync.relay import RedisRelay

log = logging.getLogger("readingroom.sync")

# y-protocols clients drop a state not renewed for 30 s; other processes' states likewise.
_REMOTE_TTL = 30.0


class LayerDocument:
    def __init__(self, key: str, layer: Layer, store: SessionStore, limits: Limits) -> None:
        self.key = key
        self.layer = layer
        self._store = store
        self._limits = limits
        self.doc: Doc[Any] = Doc()
        # The snapshot the log builds on: kept in memory only until the store has it.
        self._base: bytes | None = None
        self._base_stored = False
        self._log: list[bytes] = []
        self.size = 0
        self.peers: tuple[Peer, ...] = ()
        self.awareness = AwarenessRegistry(limits.awareness_clients_per_peer)
        self.unload_timer: asyncio.TimerHandle | None = None
        # Set when rooms span processes: accepted updates and awareness go through it.
        self.relay: RedisRelay | None = None
        self._remote_awareness: dict[int, tuple[float, AwarenessEntry]] = {}

    async def load(self) -> None:
        stored = await self._store.load(self.key)
        skipped = 0
        if stored.snapshot is not None:
            if self._apply_quietly(stored.snapshot):
                self._base_stored = True
                self.size = len(stored.snapshot)
            else:
                skipped += 1
        for update in stored.updates:
            if self._apply_quietly(update):
                self._log.append(update)
            else:
                skipped += 1
        if skipped:
            log.error("skipped %d unreadable stored updates of a room document", skipped)
        self.size += sum(len(u) for u in self._log)
        if len(self._log) >= self._limits.compact_after_updates:
            self.compact()

    def _apply_quietly(self, update: bytes) -> bool:
        return apply_guarded(self.doc, update)

    # Peers

    def join(self, peer: Peer) -> None:
        if self.unload_timer is not None:
            self.unload_timer.cancel()
            self.unload_timer = None
        self.peers = (*self.peers, peer)
        self.request_state(peer)
        states = self.awareness.current() + self.remote_awareness()
        if states:
            peer.send(awareness_message(encode_awareness(states)))

    def leave(self, peer: Peer) -> None:
        if peer not in self.peers:
            return
        self.peers = tuple(p for p in self.peers if p is not peer)
        removed = self.awareness.drop_owner(peer)
        if removed:
            self.broadcast(awareness_message(encode_awareness(removed)), None)
            if self.relay is not None:
                self.relay.publish_awareness(self.key, encode_awareness(removed))

    def request_state(self, peer: Peer) -> None:
        """Ask a peer for what the server lacks (sync step 1); it answers with step 2."""
        peer.awaiting_state += 1
        peer.send(sync_step1(self.doc.get_state()))

    def broadcast(self, message: bytes, origin: Peer | None) -> None:
        for peer in self.peers:
            if peer is not origin:
                peer.send(message)

    # Document

    def reply_to_step1(self, state_vector: bytes) -> bytes:
        try:
            return sync_step2(self.doc.get_update(state_vector))
        except ValueError:
            raise ProtocolError("sync step 1 holds no valid state vector") from None

    def apply(self, update: bytes, origin: Peer | None, frame: bytes | None = None) -> None:
        """Apply a client's update, store it and relay it to the other peers."""
        if update == EMPTY_UPDATE:
            return
        if self.size + len(update) > self._limits.max_document_bytes:
            raise DocumentFull("the room document reached its size limit")
        try:
            self.doc.apply_update(update)
        except ValueError as exc:
            if not str(exc).startswith("Cannot decode"):
                self._rebuild()
            raise ProtocolError("not a valid Yjs update") from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            self._rebuild()
            raise ProtocolError("not a valid Yjs update") from None
        self._accepted(update)
        self.broadcast(frame if frame is not None else update_message(update), origin)

    def edit(self, change: Callable[[Doc[Any]], None]) -> None:
        """A change made by the server itself (presenter handover, imported annotations)."""
        before = self.doc.get_state()
        with self.doc.transaction():
            change(self.doc)
        update = self.doc.get_update(before)
        self._accepted(update)
        self.broadcast(update_message(update), None)

    def _accepted(self, update: bytes) -> None:
        self._log.append(update)
        self.size += len(update)
        self._store.append(self.key, update)
        if self.relay is not None:
            self.relay.publish(self.key, update)
        if len(self._log) >= self._limits.compact_after_updates:
            self.compact()

    def compact(self) -> None:
        """Fold the history into one snapshot, in memory and in the store."""
        if not self._log:
            return
        snapshot = self.doc.get_update()
        self._base = snapshot
        self._log = []
        self.size = len(snapshot)
        self._store.compact(self.key, snapshot, lambda: self._base_written(snapshot))

    def _base_written(self, snapshot: bytes) -> None:
        self._base_stored = True
        if self._base is snapshot:
            self._base = None

    def history(self) -> list[bytes]:
        """Every accepted update: the snapshot (from memory, or the store) and those since."""
        base = self._base
        if base is None and self._base_stored:
            base = self._store.read_snapshot(self.key)
        return ([base] if base is not None else []) + self._log

    def _rebuild(self) -> None:
        log.warning("a rejected update disturbed a room document; rebuilding it")
        doc: Doc[Any] = Doc()
        for update in self.history():
            doc.apply_update(update)
        self.doc = doc

    # Awareness

    def relay_awareness(self, peer: Peer, entries: list[AwarenessEntry]) -> None:
        entries = [entry for entry in entries if self._local_may_drive(entry)]
        accepted, nudges = self.awareness.apply(entries, peer, peer.joined_at)
        if nudges:
            peer.send(awareness_message(encode_awareness(nudges)))
        if accepted:
            self.broadcast(awareness_message(encode_awareness(accepted)), peer)
            if self.relay is not None:
                self.relay.publish_awareness(self.key, encode_awareness(accepted))

    def _local_may_drive(self, entry: AwarenessEntry) -> bool:
        """y-websocket clients send back every state they receive, other processes'
        clients' too. Such an echo (no newer clock) must not make this process drive that
        client, or it would publish the state as its own and remove it when the echoing
        connection closes. A newer state means the client itself came here."""
        known = self._remote_awareness.get(entry.client)
        if known is None:
            return True
        if entry.removed or entry.clock <= known[1].clock:
            return False
        del self._remote_awareness[entry.client]
        return True

    def awareness_snapshot(self) -> bytes:
        return awareness_message(encode_awareness(self.awareness.current()))

    # Other processes (through the relay)

    def merge_remote(self, updates: list[bytes]) -> bytes | None:
        """Merge what Redis holds (snapshot, then stream): what this document lacked is
        relayed to its peers as one update; returns what Redis lacks (None: nothing)."""
        remote: Doc[Any] = Doc()
        before_state, before_deleted = self.doc.get_state(), delete_set(self.doc)
        for update in updates:
            if not apply_guarded(remote, update):
                log.error("skipped an unreadable update of a shared room document")
                continue
            self._apply_quietly(update)
        if self.doc.get_state() != before_state or delete_set(self.doc) != before_deleted:
            gained = self.doc.get_update(before_state)
            self._log.append(gained)
            self.size += len(gained)
            self.broadcast(update_message(gained), None)
        return lacking(self.doc, remote)

    def apply_remote(self, update: bytes) -> None:
        """An update another process accepted: apply and relay to our peers (never
        published again). Redis keeps it; the local store gets it with the next snapshot.
        Its size was checked by the process that accepted it."""
        if update == EMPTY_UPDATE:
            return
        if not self._apply_quietly(update):
            log.error("skipped an unreadable update from another process")
            self._rebuild()
            return
        self._log.append(update)
        self.size += len(update)
        self.broadcast(update_message(update), None)
        if len(self._log) >= self._limits.compact_after_updates:
            self.compact()

    def apply_remote_awareness(self, payload: bytes) -> None:
        try:
            entries = parse_awareness(
                payload,
                max_entries=1024,
                max_state_bytes=self._limits.awareness_state_bytes,
            )
        except ProtocolError:
            return
        now = time.monotonic()
        self.remote_awareness()  # forget the silent ones here too, not only on a join
        for entry in entries:
            if entry.removed:
                self._remote_awareness.pop(entry.client, None)
            else:
                self._remote_awareness[entry.client] = (now, entry)
        if entries:
            self.broadcast(awareness_message(payload), None)

    def remote_awareness(self) -> list[AwarenessEntry]:
        """Other processes' clients as last heard of; those silent longer than clients
        wait before dropping a state (30 s in y-protocols) are forgotten."""
        now = time.monotonic()
        stale = [c for c, (at, _) in self._remote_awareness.items() if now - at > _REMOTE_TTL]
        for client in stale:
            del self._remote_awareness[client]
        return [entry for _, entry in self._remote_awareness.values()]

    def local_awareness(self) -> bytes | None:
        """The awareness of this process's own clients, for another process that asks."""
        states = self.awareness.current()
        return encode_awareness(states) if states else None
