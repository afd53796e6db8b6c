"""Rooms spanning server processes: what this process tells the others about its users, and
how the others' users become members of the local rooms.

Per room with local connections, each tick publishes the records of local users whose pose
changed; the roster of local connections goes out when it changes and again every
`ANNOUNCE_SECONDS`, so a process that starts listening late learns it. Users of another
process take local slots without an outbox: they are in every local client's roster and
snapshots (with the same interest management) and are never sent anything. A process not
heard from for `SILENCE_SECONDS` (killed, or cut off from Redis) loses its users here.

The transport is a `PoseBus` (Redis pub/sub in `sync.poses.relay`); this module knows no
Redis, so a hub without one imports nothing of it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from sync.poses.control import RosterEntry
from sync.poses.envelope import (
    decode_relayed,
    encode_hello,
    encode_members,
    encode_poses,
)
from sync.poses.errors import PoseFrameError
from sync.poses.room import PoseMember, PoseRoom

log = logging.getLogger("readingroom.sync.poses")

ANNOUNCE_SECONDS = 2.0
SILENCE_SECONDS = 5.0
_SLOTS = 256


class BusListener(Protocol):
    """What a transport calls back (from its own task, on the event loop)."""

    def deliver(self, room: str, data: bytes) -> None:
        """A message another process (or this one) published for `room`."""

    def followed(self, room: str) -> None:
        """This process now hears `room` (after a subscription, or a resubscription)."""

    def resync(self) -> None:
        """Publishing works again after a failure: what was published may be lost."""


class PoseBus(Protocol):
    """Carries messages between the processes holding a room; a publish may be lost."""

    def start(self, listener: BusListener) -> None: ...

    def idle(self) -> bool:
        """Whether a publish now would go out at once (nothing waiting, link up)."""

    def publish(self, messages: Sequence[tuple[str, bytes]]) -> None:
        """Send (room, message) pairs in order; dropped while the link is down."""

    def follow(self, room: str) -> None: ...

    def unfollow(self, room: str) -> None: ...

    async def stop(self) -> None:
        """Send what waits (briefly), then release every connection."""


@dataclass(eq=False)
class _Peer:
    """Another process in one room: its users by its slot, with the slot each has here."""

    heard: float
    members: dict[int, tuple[PoseMember, int]] = field(default_factory=dict)
    ours: NDArray[np.intp] = field(default_factory=lambda: np.full(_SLOTS, -1, dtype=np.intp))


@dataclass(eq=False)
class _Link:
    room: PoseRoom
    peers: dict[bytes, _Peer] = field(default_factory=dict)
    announce_at: float = 0.0
    everything: bool = True  # send every local pose next time, not only the changed ones
    hello: bool = False
    revision: int = 0


@dataclass
class FederationStats:
    published: int = 0
    received: int = 0
    refused: int = 0  # malformed messages
    unplaced: int = 0  # remote users who found the room full here


class Federation:
    """One per hub. The hub reports rooms opening, changing and closing and calls `tick`
    shortly before each of its ticks; the bus calls `deliver`, `followed` and `resync`."""

    def __init__(self, bus: PoseBus, clock: Callable[[], float] = time.monotonic) -> None:
        self.origin = uuid.uuid4().bytes
        self.stats = FederationStats()
        self._bus = bus
        self._clock = clock
        self._links: dict[str, _Link] = {}
        self._started = False
        self._closed = False

    @property
    def remote_members(self) -> int:
        return sum(len(p.members) for link in self._links.values() for p in link.peers.values())

    # From the hub

    def open(self, room_id: str, room: PoseRoom) -> None:
        """A room got its first local connection: listen to it, ask the others to announce
        themselves (again: if the room was just closed here, the subscription may never
        have lapsed, so no confirmation will come), and announce ours."""
        if self._closed:
            return
        if not self._started:
            self._bus.start(self)
            self._started = True
        self._links[room_id] = _Link(room, hello=True)
        self._bus.follow(room_id)

    def changed(self, room_id: str) -> None:
        """A local connection joined or left: announce the roster next tick."""
        link = self._links.get(room_id)
        if link is not None:
            link.announce_at = 0.0

    def close(self, room_id: str) -> None:
        """The last local connection left: stop listening and say so at once."""
        link = self._links.pop(room_id, None)
        if link is None:
            return
        self._bus.unfollow(room_id)
        self._bus.publish([(room_id, encode_members(self.origin, link.revision + 1, ()))])

    def tick(self, tick: int) -> None:
        """Forget silent processes, then publish this tick's messages unless the previous
        ones are still on their way (changed poses then wait for a later tick)."""
        now = self._clock()
        for link in self._links.values():
            self._expire(link, now)
        if not self._bus.idle():
            return
        messages: list[tuple[str, bytes]] = []
        for room_id, link in self._links.items():
            if link.hello:
                link.hello = False
                messages.append((room_id, encode_hello(self.origin)))
            if now >= link.announce_at:
                link.announce_at = now + ANNOUNCE_SECONDS
                link.revision += 1
                entries = link.room.local_entries()
                messages.append((room_id, encode_members(self.origin, link.revision, entries)))
            records = link.room.local_changes(link.everything)
            link.everything = False
            if records:
                messages.append((room_id, encode_poses(self.origin, tick, records)))
        if messages:
            self.stats.published += len(messages)
            self._bus.publish(messages)

    async def aclose(self) -> None:
        """Tell the others this process leaves every room, then stop the bus; rooms opened
        later stay local."""
        self._closed = True
        if self._started:
            self._bus.publish(
                [
                    (room_id, encode_members(self.origin, link.revision + 1, ()))
                    for room_id, link in self._links.items()
                ]
            )
            self._links.clear()
            await self._bus.stop()
            self._started = False

    # From the bus

    def deliver(self, room: str, data: bytes) -> None:
        link = self._links.get(room)
        if link is None:
            return
        try:
            message = decode_relayed(data)
        except PoseFrameError as exc:
            self.stats.refused += 1
            if self.stats.refused == 1:  # a process of another version would flood the log
                log.warning("a relayed pose message was refused: %s", exc.reason)
            return
        if message.origin == self.origin:
            return
        self.stats.received += 1
        if message.roster is None and message.records is None:
            link.everything = True
            link.announce_at = 0.0
            return
        peer = link.peers.get(message.origin)
        if peer is None:
            peer = link.peers[message.origin] = _Peer(self._clock())
            if message.records is not None:
                link.hello = True  # poses of users we cannot name yet: ask for the roster
        peer.heard = self._clock()
        if message.roster is not None:
            self._apply_roster(link, message.origin, peer, message.roster.users)
        elif message.records is not None:
            ours = peer.ours[message.records[:, 0]]
            known = ours >= 0
            link.room.store_records(ours[known], message.records[known])

    def followed(self, room: str) -> None:
        link = self._links.get(room)
        if link is not None:
            link.hello = True
            link.announce_at = 0.0

    def resync(self) -> None:
        for link in self._links.values():
            link.hello = True
            link.everything = True
            link.announce_at = 0.0

    # Remote members

    def _apply_roster(
        self, link: _Link, origin: bytes, peer: _Peer, entries: tuple[RosterEntry, ...]
    ) -> None:
        wanted = {
            e.slot: PoseMember(e.user, e.name, e.role) for e in entries if 0 <= e.slot < _SLOTS
        }
        kept = {slot: held for slot, held in peer.members.items() if wanted.get(slot) == held[0]}
        gone = [ours for slot, (_, ours) in peer.members.items() if slot not in kept]
        arrivals = [slot for slot in wanted if slot not in kept]
        placed = link.room.replace_remote(gone, [wanted[slot] for slot in arrivals])
        for slot, ours in zip(arrivals, placed, strict=True):
            if ours is None:
                self.stats.unplaced += 1
            else:
                kept[slot] = (wanted[slot], ours)
        peer.members = kept
        peer.ours.fill(-1)
        for slot, (_, ours) in kept.items():
            peer.ours[slot] = ours
        if not wanted:
            del link.peers[origin]

    def _expire(self, link: _Link, now: float) -> None:
        silent = [o for o, p in link.peers.items() if now - p.heard > SILENCE_SECONDS]
        for origin in silent:
            peer = link.peers.pop(origin)
            link.room.replace_remote([ours for _, ours in peer.members.values()], [])
