"""Any sequence of joins, leaves, poses, ticks and slow readers: a client never gets its own
pose, never a pose under someone else's name (slots are reused), and never an old pose
after a newer one."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sync.poses.codec import MessageType, Poses, decode_snapshot, encode_pose_frame, message_type
from sync.poses.control import Welcome, decode_roster, decode_welcome, encode_welcome
from sync.poses.errors import RoomFullError
from sync.poses.outbox import Outbox
from sync.poses.room import PoseMember, PoseRoom, RoomLimits


def greeting(slot: int) -> bytes:
    return encode_welcome(Welcome(slot, True, 30.0, 5.0, 10.0, 120.0))


class Client:
    """What one connection has been told so far, checked as each message arrives."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.outbox = Outbox()
        self.slot = -1
        self.roster: dict[int, int] = {}
        self.newest: dict[int, int] = {}

    def read(self) -> None:
        for data in self.outbox.drain():
            kind = message_type(data)
            if kind == MessageType.welcome:
                self.slot = decode_welcome(data).slot
            elif kind == MessageType.roster:
                self.roster = {e.slot: int(e.user) for e in decode_roster(data).users}
                self.newest = {k: v for k, v in self.newest.items() if k in self.roster.values()}
            else:
                self.check(data)

    def check(self, data: bytes) -> None:
        snapshot = decode_snapshot(data)
        for i, slot in enumerate(snapshot.slots.tolist()):
            assert slot != self.slot, "own pose echoed back"
            owner = self.roster[slot]
            # Each pose says who sent it: head x is the sender's number.
            assert round(float(snapshot.poses.head_position[i, 0])) == owner, "wrong name"
            seq = int(snapshot.seq[i])
            assert seq > self.newest.get(owner, -1), "an older pose after a newer one"
            self.newest[owner] = seq


class RoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = PoseRoom(RoomLimits(capacity=4, near_m=5.0, far_every=3))
        self.clients: dict[int, Client] = {}
        self.seq: dict[int, int] = {}
        self.joined = 0
        self.tick_number = 0

    @rule()
    def join(self) -> None:
        client = Client(self.joined)
        member = PoseMember(str(client.number), f"user {client.number}", "reader")
        try:
            self.room.join(member, client.outbox, greeting)
        except RoomFullError:
            assert len(self.clients) == 4
            return
        self.joined += 1
        self.clients[client.number] = client
        self.seq[client.number] = 0
        client.read()

    @precondition(lambda self: self.clients)
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(sorted(self.clients)))
        client = self.clients.pop(number)
        self.room.leave(client.slot)

    @precondition(lambda self: self.clients)
    @rule(data=st.data(), z=st.floats(-20, 20), floor=st.integers(0, 2))
    def move(self, data: st.DataObject, z: float, floor: int) -> None:
        number = data.draw(st.sampled_from(sorted(self.clients)))
        client = self.clients[number]
        self.seq[number] += 1
        pose = Poses.create([[float(number), 1.6, z]], floor=floor)
        self.room.store(client.slot, encode_pose_frame(self.seq[number], pose))

    @rule()
    def tick(self) -> None:
        self.room.tick(self.tick_number)
        self.tick_number += 1

    @precondition(lambda self: self.clients)
    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        """Only some clients read between ticks; the others are slow."""
        number = data.draw(st.sampled_from(sorted(self.clients)))
        self.clients[number].read()

    @invariant()
    def roster_matches_connections(self) -> None:
        assert self.room.size == len(self.clients)


RoomMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=60)
test_room_states = RoomMachine.TestCase
