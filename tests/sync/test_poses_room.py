"""A room's ticks, driven one by one: who appears in whose snapshot, and when."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from sync.poses import RoomFullError
from sync.poses.codec import (
    RECORD_SIZE,
    MessageType,
    Poses,
    Snapshot,
    decode_snapshot,
    encode_pose_frame,
    encode_records,
    message_type,
)
from sync.poses.control import (
    Welcome,
    decode_roster,
    encode_welcome,
)
from sync.poses.outbox import Outbox
from sync.poses.room import PoseMember, PoseRoom, RoomLimits

FAR_EVERY = 6


def greeting(slot: int) -> bytes:
    return encode_welcome(Welcome(slot, True, 30.0, 5.0, 10.0, 120.0))


class Member:
    def __init__(self, room: PoseRoom, user: str) -> None:
        self.outbox = Outbox()
        self.room = room
        self.slot = room.join(PoseMember(user, user.title(), "reader"), self.outbox, greeting)
        self.seq = 0

    def move(self, x: float, *, floor: int = 0, z: float = 0.0) -> None:
        self.seq += 1
        pose = Poses.create([[x, 1.6, z]], left_position=[x + 0.3, 1.2, z], floor=floor)
        self.room.store(self.slot, encode_pose_frame(self.seq, pose))

    def snapshots(self) -> list[Snapshot]:
        return [
            decode_snapshot(data)
            for data in self.outbox.drain()
            if message_type(data) == MessageType.snapshot
        ]

    def seen(self) -> dict[int, int]:
        """slot -> seq of every record in what is waiting."""
        return {
            int(slot): int(seq)
            for snap in self.snapshots()
            for slot, seq in zip(snap.slots, snap.seq, strict=True)
        }


@pytest.fixture
def room() -> PoseRoom:
    return PoseRoom(RoomLimits(capacity=8, near_m=10.0, far_every=FAR_EVERY))


def test_each_member_gets_the_others_and_never_itself(room: PoseRoom) -> None:
    alice, bob, carol = Member(room, "alice"), Member(room, "bob"), Member(room, "carol")
    for member, x in ((alice, 0.0), (bob, 1.0), (carol, 2.0)):
        member.move(x)
    room.tick(0)
    assert alice.seen() == {bob.slot: 1, carol.slot: 1}
    assert bob.seen() == {alice.slot: 1, carol.slot: 1}
    assert carol.seen() == {alice.slot: 1, bob.slot: 1}


def test_values_arrive_as_sent(room: PoseRoom) -> None:
    alice, bob = Member(room, "alice"), Member(room, "bob")
    alice.move(1.25, floor=2, z=-3.5)
    room.tick(0)
    (snapshot,) = bob.snapshots()
    assert snapshot.poses.head_position[0].tolist() == pytest.approx([1.25, 1.6, -3.5])
    assert snapshot.poses.left_position[0].tolist() == pytest.approx([1.55, 1.2, -3.5], abs=0.002)
    assert snapshot.poses.left_tracked.tolist() == [True]
    assert snapshot.poses.right_tracked.tolist() == [False]
    assert snapshot.poses.floor.tolist() == [2]


def test_an_unchanged_pose_is_not_sent_again(room: PoseRoom) -> None:
    alice, bob = Member(room, "alice"), Member(room, "bob")
    alice.move(0.0)
    room.tick(0)
    assert bob.seen() == {alice.slot: 1}
    room.tick(1)
    assert bob.snapshots() == []
    alice.move(0.1)
    room.tick(2)
    assert bob.seen() == {alice.slot: 2}


def test_a_late_joiner_gets_everyones_current_pose(room: PoseRoom) -> None:
    alice, bob = Member(room, "alice"), Member(room, "bob")
    alice.move(0.0)
    bob.move(1.0)
    room.tick(0)
    carol = Member(room, "carol")
    room.tick(1)
    assert carol.seen() == {alice.slot: 1, bob.slot: 1}


def test_users_on_another_floor_arrive_at_the_far_rate(room: PoseRoom) -> None:
    watcher, near, upstairs = Member(room, "w"), Member(room, "near"), Member(room, "up")
    counts = {near.slot: 0, upstairs.slot: 0}
    ticks = FAR_EVERY * 10
    for tick in range(ticks):
        watcher.move(0.0)
        near.move(1.0 + tick * 1e-3)
        upstairs.move(1.0 + tick * 1e-3, floor=1)
        room.tick(tick)
        for slot in watcher.seen():
            counts[slot] += 1
    assert counts == {near.slot: ticks, upstairs.slot: 10}


def test_far_users_arrive_at_the_far_rate_and_near_ones_every_tick(room: PoseRoom) -> None:
    watcher, near, far = Member(room, "w"), Member(room, "near"), Member(room, "far")
    counts = {near.slot: 0, far.slot: 0}
    ticks = FAR_EVERY * 10
    for tick in range(ticks):
        watcher.move(0.0)
        near.move(9.0 + tick * 1e-3)
        far.move(11.0 + tick * 1e-3)
        room.tick(tick)
        for slot in watcher.seen():
            counts[slot] += 1
    assert counts == {near.slot: ticks, far.slot: 10}


def test_an_observer_without_a_pose_sees_everyone_every_tick(room: PoseRoom) -> None:
    observer, far = Member(room, "observer"), Member(room, "far")
    for tick in range(12):
        far.move(30.0 + tick * 1e-3, floor=3)
        room.tick(tick)
        assert observer.seen() == {far.slot: far.seq}


def test_a_slow_member_is_skipped_not_queued(room: PoseRoom) -> None:
    slow, fast, mover = Member(room, "slow"), Member(room, "fast"), Member(room, "mover")
    slow.outbox.drain()
    skipped = 0
    for tick in range(50):
        mover.move(tick * 0.01)
        skipped += room.tick(tick)[1]
        assert len(fast.snapshots()) == 1
    assert skipped == 49
    # Only the first snapshot waits for the slow member; the next one it takes is current.
    assert slow.seen() == {mover.slot: 1}
    room.tick(50)
    assert slow.seen() == {mover.slot: 50}


def test_leaving_frees_the_slot_and_tells_everyone(room: PoseRoom) -> None:
    alice, bob = Member(room, "alice"), Member(room, "bob")
    alice.move(0.0)
    room.tick(0)
    bob.outbox.drain()
    room.leave(alice.slot)
    (roster,) = [decode_roster(d) for d in bob.outbox.drain()]
    assert [entry.user for entry in roster.users] == ["bob"]
    dave = Member(room, "dave")
    assert dave.slot == alice.slot
    room.tick(1)
    assert bob.seen() == {}
    dave.move(5.0)
    room.tick(2)
    assert bob.seen() == {dave.slot: 1}


def test_a_snapshot_waiting_when_someone_leaves_is_replaced(room: PoseRoom) -> None:
    alice, bob, carol = Member(room, "alice"), Member(room, "bob"), Member(room, "carol")
    alice.move(0.0)
    carol.move(1.0)
    bob.outbox.drain()
    room.tick(0)  # waits in bob's outbox, naming alice's slot
    room.leave(alice.slot)
    dave = Member(room, "dave")  # takes alice's slot
    waiting = bob.outbox.drain()
    assert [message_type(d) for d in waiting] == [MessageType.roster, MessageType.roster]
    room.tick(1)
    assert bob.seen() == {carol.slot: 1}
    assert dave.slot == alice.slot


def test_a_full_room_refuses_one_more() -> None:
    room = PoseRoom(RoomLimits(capacity=2, near_m=10.0, far_every=FAR_EVERY))
    Member(room, "a"), Member(room, "b")
    with pytest.raises(RoomFullError):
        Member(room, "c")


def remote_records(slots: list[int], xs: list[float], floor: int = 0, seq: int = 1) -> NDArray[Any]:
    """Records as another process packs them, under that process's slots."""
    poses = Poses.create([[x, 1.6, 0.0] for x in xs], floor=floor)
    records = encode_records(slots, [seq] * len(xs), poses)
    return np.frombuffer(records.tobytes(), dtype=np.uint8).reshape(len(xs), RECORD_SIZE)


def test_a_remote_member_is_in_the_roster_and_snapshots_under_a_local_slot(
    room: PoseRoom,
) -> None:
    alice = Member(room, "alice")
    alice.outbox.drain()
    (slot,) = room.replace_remote([], [PoseMember("bob", "Bob", "reader")])
    assert slot is not None and slot != alice.slot
    (roster,) = [decode_roster(d) for d in alice.outbox.drain()]
    assert {(e.slot, e.user) for e in roster.users} == {(alice.slot, "alice"), (slot, "bob")}
    room.store_records(np.array([slot]), remote_records([200], [2.0], seq=9))
    room.tick(0)
    (snapshot,) = alice.snapshots()
    assert snapshot.slots.tolist() == [slot]
    assert snapshot.seq.tolist() == [9]
    assert snapshot.poses.head_position[0].tolist() == pytest.approx([2.0, 1.6, 0.0])
    # Sent again by its process (after a HELLO): not news, not sent again.
    room.store_records(np.array([slot]), remote_records([200], [2.0], seq=9))
    room.tick(1)
    assert alice.snapshots() == []


def test_remote_members_get_the_same_interest_management(room: PoseRoom) -> None:
    watcher = Member(room, "w")
    near, upstairs = room.replace_remote(
        [], [PoseMember("near", "N", "reader"), PoseMember("up", "U", "reader")]
    )
    assert near is not None and upstairs is not None
    counts = {near: 0, upstairs: 0}
    ticks = FAR_EVERY * 10
    for tick in range(ticks):
        watcher.move(0.0)
        room.store_records(np.array([near]), remote_records([0], [1.0 + tick * 1e-3], seq=tick))
        room.store_records(
            np.array([upstairs]), remote_records([1], [1.0 + tick * 1e-3], floor=1, seq=tick)
        )
        room.tick(tick)
        for slot in watcher.seen():
            counts[slot] += 1
    assert counts == {near: ticks, upstairs: 10}


def test_only_changed_local_poses_go_to_other_processes(room: PoseRoom) -> None:
    alice, bob = Member(room, "alice"), Member(room, "bob")
    (remote,) = room.replace_remote([], [PoseMember("carol", "Carol", "reader")])
    assert remote is not None
    room.store_records(np.array([remote]), remote_records([0], [3.0]))
    alice.move(0.0)
    bob.move(1.0)
    first = np.frombuffer(room.local_changes(), dtype=np.uint8).reshape(-1, RECORD_SIZE)
    assert sorted(first[:, 0].tolist()) == [alice.slot, bob.slot]
    assert room.local_changes() == b""
    bob.move(1.5)
    again = np.frombuffer(room.local_changes(), dtype=np.uint8).reshape(-1, RECORD_SIZE)
    assert again[:, 0].tolist() == [bob.slot]
    everything = np.frombuffer(room.local_changes(everything=True), dtype=np.uint8)
    assert len(everything) == 2 * RECORD_SIZE
    assert [e.user for e in room.local_entries()] == ["alice", "bob"]


def test_remote_members_alone_do_not_keep_a_room_and_a_full_room_places_no_more() -> None:
    room = PoseRoom(RoomLimits(capacity=2, near_m=10.0, far_every=FAR_EVERY))
    alice = Member(room, "alice")
    alice.outbox.drain()
    placed = room.replace_remote([], [PoseMember(u, u, "reader") for u in ("b", "c")])
    assert placed[1] is None
    assert len(alice.outbox.drain()) == 1
    assert room.replace_remote([], [PoseMember("d", "d", "reader")]) == [None]
    assert alice.outbox.drain() == []
    room.leave(alice.slot)
    assert not room.has_local
    assert room.remote_size == 1
