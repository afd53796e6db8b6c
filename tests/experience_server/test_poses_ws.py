"""`/ws/rooms/{room}/poses` against the real server in a subprocess, with the `websockets`
client speaking our binary protocol as a headset would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from sync.poses import CloseCode
from sync.poses.codec import (
    MessageType,
    Poses,
    Snapshot,
    decode_snapshot,
    encode_pose_frame,
    message_type,
)
from sync.poses.control import (
    decode_roster,
    decode_welcome,
)
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
TICK_HZ = 30


@pytest.fixture
def server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return live_server_factory(
        {"READINGROOM_POSE_TICK_HZ": str(TICK_HZ), "READINGROOM_POSE_FAR_HZ": "5"}
    )


class Headset:
    """One client: learns its slot, keeps the roster, collects every record it receives
    under the user the roster named for that slot at the time."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.slot = -1
        self.roster: dict[int, str] = {}
        self.records: list[tuple[str, int, Poses]] = []

    async def listen(self) -> None:
        async for data in self.socket:
            assert isinstance(data, bytes)
            kind = message_type(data)
            if kind == MessageType.welcome:
                self.slot = decode_welcome(data).slot
            elif kind == MessageType.roster:
                self.roster = {e.slot: e.user for e in decode_roster(data).users}
            else:
                self.keep(decode_snapshot(data))

    def keep(self, snapshot: Snapshot) -> None:
        for i, slot in enumerate(snapshot.slots.tolist()):
            self.records.append((self.roster[slot], int(snapshot.seq[i]), snapshot.poses.row(i)))

    def users_seen(self) -> set[str]:
        return {user for user, _, _ in self.records}

    def records_of(self, user: str) -> list[tuple[int, Poses]]:
        return [(seq, pose) for who, seq, pose in self.records if who == user]


@asynccontextmanager
async def headset(server: LiveServer, user: str, role: str = "reader") -> AsyncIterator[Headset]:
    url = f"{server.ws_url}/ws/rooms/lab/poses?token={server.token(user, role)}"
    async with connect(url, compression=None) as socket:
        client = Headset(socket)
        task = asyncio.create_task(client.listen())
        try:
            yield client
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def pose_of(user_index: int, t: float, floor: int = 0) -> Poses:
    x = user_index * 1.5
    return Poses.create(
        [[x, 1.6 + 0.05 * np.sin(t), -1.0]],
        [0.0, np.sin(t / 2), 0.0, np.cos(t / 2)],
        left_position=[x - 0.3, 1.1, -0.7],
        right_position=[x + 0.3, 1.2 + 0.1 * np.cos(t), -0.7],
        right_rotation=[0.2, 0.1, 0.0, 0.97],
        floor=floor,
    )


async def send_poses(client: Headset, user_index: int, frames: int, floor: int = 0) -> None:
    for seq in range(frames):
        await client.socket.send(encode_pose_frame(seq, pose_of(user_index, seq * 0.1, floor)))
        await asyncio.sleep(1 / 60)


async def send_until(
    client: Headset, user_index: int, enough: Callable[[], bool], floor: int = 0
) -> int:
    """Send a pose every 1/60 s until `enough()`; how many were sent. What the test needs
    is counted as it arrives: a loaded machine ticks less often than asked (missed ticks
    are dropped), so a fixed number of frames may not make enough snapshots."""
    sent = 0
    async with asyncio.timeout(60):
        while not enough():
            pose = pose_of(user_index, sent * 0.1, floor)
            await client.socket.send(encode_pose_frame(sent, pose))
            sent += 1
            await asyncio.sleep(1 / 60)
    return sent


async def until(check: Callable[[], bool], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(1 / TICK_HZ)


def newest(watcher: Headset, user: str) -> int | None:
    """The sequence number of the newest pose of `user` that `watcher` received."""
    records = watcher.records_of(user)
    return records[-1][0] if records else None


async def exchange_poses(alice: Headset, bob: Headset) -> tuple[int, int]:
    """Both send until each has seen at least 10 of the other's poses, then wait for each
    one's last pose to reach the other; how many poses each sent."""
    sent_by_alice, sent_by_bob = await asyncio.gather(
        send_until(alice, 0, lambda: len(bob.records_of("alice")) >= 10),
        send_until(bob, 1, lambda: len(alice.records_of("bob")) >= 10),
    )
    await until(
        lambda: (
            newest(alice, "bob") == sent_by_bob - 1 and newest(bob, "alice") == sent_by_alice - 1
        )
    )
    return sent_by_alice, sent_by_bob


async def test_two_headsets_see_each_other_and_never_themselves(server: LiveServer) -> None:
    async with headset(server, "alice") as alice, headset(server, "bob") as bob:
        sent_by_alice, sent_by_bob = await exchange_poses(alice, bob)
    assert alice.users_seen() == {"bob"}
    assert bob.users_seen() == {"alice"}
    assert_latest_pose(alice, "bob", 1, sent_by_bob)
    assert_latest_pose(bob, "alice", 0, sent_by_alice)


def assert_latest_pose(watcher: Headset, user: str, index: int, sent: int) -> None:
    """`watcher` received `user`'s poses (`sent` of them, by `send_until(_, index, _)`), the
    last one within quantisation: 0.5 mm head, 2 mm hands, 0.3 degrees."""
    records = watcher.records_of(user)
    assert len(records) >= 10
    seq, got = records[-1]
    assert seq == sent - 1
    sent_pose = pose_of(index, seq * 0.1)
    assert np.allclose(got.head_position, sent_pose.head_position, atol=0.0005 + 1e-9)
    assert np.allclose(got.right_position, sent_pose.right_position, atol=0.002 + 1e-9)
    dot = float(np.sum(got.head_rotation * sent_pose.head_rotation))
    assert abs(dot) > np.cos(np.radians(0.3) / 2)
    assert got.left_tracked.tolist() == [True]
    assert got.floor.tolist() == [0]


async def test_someone_on_another_floor_arrives_at_the_lower_rate(server: LiveServer) -> None:
    async with (
        headset(server, "watcher") as watcher,
        headset(server, "neighbour") as neighbour,
        headset(server, "upstairs") as upstairs,
    ):

        def a_second_of_ticks() -> bool:
            return len(watcher.records_of("neighbour")) >= TICK_HZ

        await asyncio.gather(
            send_until(watcher, 0, a_second_of_ticks),
            send_until(neighbour, 1, a_second_of_ticks),
            send_until(upstairs, 1, a_second_of_ticks, floor=1),
        )
    near = len(watcher.records_of("neighbour"))
    far = len(watcher.records_of("upstairs"))
    # A second's worth of ticks for the neighbour (30), about 5 of them for upstairs.
    assert near >= 20
    assert 2 <= far <= near / 3


async def closed_with(
    server: LiveServer, path: str, payload: bytes | str | None
) -> tuple[int, str]:
    async with connect(f"{server.ws_url}{path}", compression=None) as socket:
        if payload is not None:
            await socket.send(payload)
        return await close_of(socket)


async def close_of(socket: ClientConnection) -> tuple[int, str]:
    """Read until the server closes; its close code and reason."""
    async with asyncio.timeout(30):
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await socket.recv()
    received = socket.close_code, socket.close_reason
    assert received[0] is not None
    return received[0], received[1] or ""


async def test_bad_input_gets_a_close_code_and_reason_and_the_room_goes_on(
    server: LiveServer,
) -> None:
    token = server.token("mallory", "reader")
    path = f"/ws/rooms/lab/poses?token={token}"
    async with headset(server, "alice") as alice:
        cases = [
            ("/ws/rooms/lab/poses", None, CloseCode.unauthenticated, "sign in"),
            ("/ws/rooms/lab/poses?token=nonsense", None, CloseCode.unauthenticated, "invalid"),
            ("/ws/rooms/..%20/poses?token=" + token, None, CloseCode.bad_frame, "room id"),
            (path, bytes([9, 1]) + bytes(29), CloseCode.upgrade_required, "version 9"),
            (path, b"\x01\x01\x00", CloseCode.bad_frame, "must be 31 bytes, got 3"),
            (path, bytes([1, 1]) + bytes(29), CloseCode.bad_frame, "out of range"),
            (path, "{}", CloseCode.unsupported_data, "binary"),
        ]
        for url_path, payload, code, reason in cases:
            got_code, got_reason = await closed_with(server, url_path, payload)
            assert got_code == code, (url_path, payload)
            assert reason in got_reason
        flood = bytes(encode_pose_frame(0, pose_of(3, 0.0)))
        async with connect(f"{server.ws_url}{path}", compression=None) as socket:
            with contextlib.suppress(websockets.ConnectionClosed):
                for _ in range(400):
                    await socket.send(flood)
            flood_code, flood_reason = await close_of(socket)
            assert flood_code == CloseCode.too_many_frames
            assert "120" in flood_reason
        async with headset(server, "bob") as bob:
            await send_poses(bob, 1, 10)
            await until(lambda: "bob" in alice.users_seen())


async def test_a_guest_watches_but_is_not_shown(server: LiveServer) -> None:
    async with headset(server, "reader") as reader, headset(server, "visitor", "guest") as guest:
        await asyncio.gather(send_poses(reader, 0, 15), send_poses(guest, 1, 15))
        # The reader's last pose reached the guest: every tick that would have carried the
        # guest's poses to the reader is past. A few more ticks for anything in flight.
        await until(lambda: newest(guest, "reader") == 14)
        await asyncio.sleep(3 / TICK_HZ)
    assert guest.users_seen() == {"reader"}
    assert reader.users_seen() == set()
