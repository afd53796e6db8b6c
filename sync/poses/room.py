"""One room's pose state: a slot per connection, each slot's latest record in one packed
array, and the tick that turns that array into every member's snapshot.

A stored pose is a byte copy of the client's frame into the slot's record; a tick computes
interest for all pairs at once, then per member selects rows and sends them as one bytes
object. Records a member already has are not sent again (`_version` vs `_last_sent`).

With several server processes, users connected elsewhere hold slots here too: *remote*
members, with no outbox (they are never sent anything from this process), whose records
arrive already packed from their own process (`sync.poses.federation`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sync.poses.codec import (
    FLOOR_SHIFT,
    FRAME_BODY_START,
    FRAME_SIZE,
    RECORD_DTYPE,
    RECORD_SIZE,
    encode_snapshot_header,
)
from sync.poses.control import (
    Roster,
    RosterEntry,
    encode_roster,
)
from sync.poses.errors import RoomFullError
from sync.poses.interest import due_matrix
from sync.poses.outbox import Outbox


@dataclass(frozen=True, slots=True)
class PoseMember:
    """Who is behind a connection, as the roster shows them."""

    user: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class RoomLimits:
    capacity: int
    near_m: float
    far_every: int


class PoseRoom:
    def __init__(self, limits: RoomLimits) -> None:
        self._limits = limits
        cap = limits.capacity
        self._buffer = bytearray(cap * RECORD_SIZE)
        self._records = np.frombuffer(self._buffer, dtype=RECORD_DTYPE)
        self._raw = np.frombuffer(self._buffer, dtype=np.uint8).reshape(cap, RECORD_SIZE)
        self._records["slot"] = np.arange(cap)
        # _version[j] > 0: slot j holds a pose, stored at that point of the room's clock.
        self._version = np.zeros(cap, dtype=np.int64)
        self._last_sent = np.zeros((cap, cap), dtype=np.int64)
        self._members: list[PoseMember | None] = [None] * cap
        self._outboxes: list[Outbox | None] = [None] * cap
        # Per member, the snapshot still waiting in its outbox: the slots it carries and what
        # `_last_sent` held for them before, so a dropped snapshot is taken back exactly.
        self._waiting: list[tuple[NDArray[np.intp], NDArray[np.int64]] | None] = [None] * cap
        # Local connections (their poses go to other processes), and the version of each
        # one's record that other processes were last given.
        self._local = np.zeros(cap, dtype=bool)
        self._published = np.zeros(cap, dtype=np.int64)
        self._high = 0
        self._clock = 0
        self._revision = 0

    @property
    def has_local(self) -> bool:
        """Whether a connection of this process is in the room (remote members alone do not
        keep a room: nobody here would see them)."""
        return bool(self._local.any())

    @property
    def size(self) -> int:
        return sum(member is not None for member in self._members[: self._high])

    @property
    def remote_size(self) -> int:
        return self.size - int(self._local.sum())

    def join(self, member: PoseMember, outbox: Outbox, greeting: Callable[[int], bytes]) -> int:
        """A free slot for the connection; it gets `greeting(slot)` first, then everyone
        gets the new roster."""
        slot = self._take(member)
        if slot is None:
            raise RoomFullError(f"the room is full ({self._limits.capacity} users)")
        self._outboxes[slot] = outbox
        self._local[slot] = True
        outbox.push_control(greeting(slot))
        self._broadcast_roster()
        return slot

    def leave(self, slot: int) -> None:
        """Free the slot, and tell everyone."""
        self._free(slot)
        self._after_freeing()
        self._broadcast_roster()

    def replace_remote(
        self, gone: Sequence[int], arrived: Sequence[PoseMember]
    ) -> list[int | None]:
        """Free the slots of remote members who left and give slots to those who arrived,
        with one roster for the lot. Returns each arrival's slot, None where the room was
        full (a later announcement of theirs tries again)."""
        for slot in gone:
            self._free(slot)
        if gone:
            self._after_freeing()
        slots = [self._take(member) for member in arrived]
        if gone or any(slot is not None for slot in slots):
            self._broadcast_roster()
        return slots

    def _take(self, member: PoseMember) -> int | None:
        try:
            slot = self._members.index(None)
        except ValueError:
            return None
        self._members[slot] = member
        self._version[slot] = 0
        self._published[slot] = 0
        self._last_sent[slot, :] = 0
        self._last_sent[:, slot] = 0
        self._high = max(self._high, slot + 1)
        return slot

    def _free(self, slot: int) -> None:
        self._members[slot] = None
        self._outboxes[slot] = None
        self._local[slot] = False
        self._version[slot] = 0

    def _after_freeing(self) -> None:
        """Waiting snapshots may name a freed slot, so they are dropped and their members
        get everything again next tick."""
        while self._high and self._members[self._high - 1] is None:
            self._high -= 1
        for member, outbox in enumerate(self._outboxes[: self._high]):
            waiting = self._waiting[member]
            if outbox is not None and outbox.drop_snapshot() and waiting is not None:
                # Only what the dropped snapshot carried goes again: what the member was
                # sent before stays sent (a pose it has must not come a second time).
                chosen, before = waiting
                self._last_sent[member, chosen] = before

    def local_entries(self) -> tuple[RosterEntry, ...]:
        """This process's connections, as other processes learn of them."""
        return tuple(
            RosterEntry(slot=slot, user=m.user, name=m.name, role=m.role)
            for slot, m in enumerate(self._members[: self._high])
            if m is not None and self._local[slot]
        )

    def local_changes(self, everything: bool = False) -> bytes:
        """Packed records (under this process's slots) of the local users whose pose changed
        since the last call, or of every local user with a pose when `everything`."""
        n = self._high
        version = self._version[:n]
        changed = self._local[:n] & (version > 0)
        if not everything:
            changed &= version > self._published[:n]
        rows = np.flatnonzero(changed)
        if not len(rows):
            return b""
        self._published[rows] = version[rows]
        return self._raw[rows].tobytes()

    def store_records(self, slots: NDArray[np.intp], records: NDArray[np.uint8]) -> None:
        """Keep records of remote users, (n, RECORD_SIZE) bytes from their process, under
        our `slots` (their slot byte is replaced by ours). A record held already (another
        process sent everything again) is not news: clients would get it twice."""
        fresh = (self._version[slots] == 0) | np.any(self._raw[slots, 1:] != records[:, 1:], axis=1)
        slots, records = slots[fresh], records[fresh]
        if not len(slots):
            return
        self._raw[slots, 1:] = records[:, 1:]
        self._version[slots] = self._clock + 1 + np.arange(len(slots))
        self._clock += len(slots)

    def store(self, slot: int, frame: bytes) -> None:
        """Keep a checked POSE frame as the slot's latest pose (the hot path: one copy)."""
        start = slot * RECORD_SIZE + 1
        self._buffer[start : start + FRAME_SIZE - FRAME_BODY_START] = frame[FRAME_BODY_START:]
        self._clock += 1
        self._version[slot] = self._clock

    def tick(self, tick: int) -> tuple[int, int]:
        """Offer every member its snapshot; returns (snapshots offered, members skipped)."""
        n = self._high
        version = self._version[:n]
        active = version > 0
        if not active.any():
            return 0, 0
        records = self._records[:n]
        floors = records["flags"] >> FLOOR_SHIFT
        due = due_matrix(
            records["head"],
            floors,
            active,
            tick,
            self._limits.near_m * 1000.0,
            self._limits.far_every,
        )
        due &= version[None, :] > self._last_sent[:n, :n]
        header = encode_snapshot_header(tick)
        offered = skipped = 0
        for member in np.flatnonzero(due.any(axis=1) & self._local[:n]):
            outbox = self._outboxes[member]
            if outbox is None:
                continue
            if not outbox.ready():
                skipped += 1
                continue
            chosen = np.flatnonzero(due[member])
            outbox.offer_snapshot(header + self._raw[chosen].tobytes())
            self._waiting[member] = (chosen, self._last_sent[member, chosen].copy())
            self._last_sent[member, chosen] = version[chosen]
            offered += 1
        return offered, skipped

    def _broadcast_roster(self) -> None:
        self._revision += 1
        entries = tuple(
            RosterEntry(slot=slot, user=m.user, name=m.name, role=m.role)
            for slot, m in enumerate(self._members[: self._high])
            if m is not None
        )
        data = encode_roster(Roster(revision=self._revision, users=entries))
        for outbox in self._outboxes[: self._high]:
            if outbox is not None:
                outbox.push_control(data)
