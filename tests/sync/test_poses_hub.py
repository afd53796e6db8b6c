"""The pose hub with its real ticker over in-memory channels: what a misbehaving client
gets (a close code and a reason), and that the room carries on for everyone else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from sync.poses import CloseCode, PoseConfig, PoseHub, PoseMember
from sync.poses.codec import (
    MessageType,
    Poses,
    decode_snapshot,
    encode_pose_frame,
)
from sync.poses.control import (
    decode_welcome,
)
from tests.sync.pose_channels import MemoryChannel

TICK_HZ = 100.0


Join = Callable[..., MemoryChannel]


@pytest.fixture
async def hub() -> AsyncIterator[PoseHub]:
    hub = PoseHub(PoseConfig(tick_hz=TICK_HZ, far_hz=20.0, max_rate_hz=120.0, max_room_users=3))
    yield hub
    await hub.aclose()


@pytest.fixture
async def join(hub: PoseHub) -> AsyncIterator[Join]:
    tasks: list[asyncio.Task[None]] = []

    def connect(user: str, role: str = "reader", room: str = "r1") -> MemoryChannel:
        channel = MemoryChannel()
        member = PoseMember(user=user, name=user.title(), role=role)
        tasks.append(asyncio.create_task(hub.serve(room, member, channel)))
        return channel

    yield connect
    for channel_task in tasks:
        channel_task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def frame(seq: int, x: float = 0.0) -> bytes:
    return encode_pose_frame(seq, Poses.create([[x, 1.6, 0.0]]))


async def ticks(n: int) -> None:
    await asyncio.sleep(n / TICK_HZ)


async def until(check: Callable[[], bool], within: float = 30.0) -> None:
    """Wait for what the ticker should have done: a fixed number of ticks' sleep is not
    enough when the machine is loaded (the ticker drops the ticks it missed)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(1 / TICK_HZ)


def last_seq(channel: MemoryChannel) -> int | None:
    """The sequence number of the newest record `channel` received, if any."""
    snapshots = channel.of_type(MessageType.snapshot)
    return int(decode_snapshot(snapshots[-1]).seq[-1]) if snapshots else None


def newest_is(channel: MemoryChannel, seq: int) -> Callable[[], bool]:
    return lambda: last_seq(channel) == seq


async def until_closed(channel: MemoryChannel) -> tuple[int, str]:
    async with asyncio.timeout(30):
        await channel.closed_event.wait()
    assert channel.closed is not None
    return channel.closed


async def test_members_see_each_other_through_the_ticker(join: Join) -> None:
    alice, bob = join("alice"), join("bob")
    await ticks(1)
    alice.incoming.put_nowait(frame(1))
    bob.incoming.put_nowait(frame(1, 1.0))
    # Both frames are stored before the tick that first relays either: had alice's own
    # pose been sent back, it would be in the snapshot that brought her bob's.
    await until(lambda: 1 in alice.slots_seen() and 0 in bob.slots_seen())
    assert decode_welcome(alice.received[0]).slot == 0
    assert alice.slots_seen() == {1}
    assert bob.slots_seen() == {0}


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (bytes([7, 1]) + bytes(29), CloseCode.upgrade_required, "version 7"),
        (frame(1)[:20], CloseCode.bad_frame, "31 bytes"),
        (bytes([1, 1]) + bytes(29), CloseCode.bad_frame, "out of range"),
        ("hello", CloseCode.unsupported_data, "binary"),
    ],
)
async def test_a_bad_frame_closes_only_its_sender(
    join: Join, data: bytes | str, code: CloseCode, reason: str
) -> None:
    alice, mallory = join("alice"), join("mallory")
    mallory.incoming.put_nowait(frame(1))
    mallory.incoming.put_nowait(data)
    closed_code, closed_reason = await until_closed(mallory)
    assert closed_code == code
    assert reason in closed_reason
    bob = join("bob")
    bob.incoming.put_nowait(frame(1))
    await until(lambda: bool(bob.received) and bob.slot() in alice.slots_seen())
    assert alice.closed is None


async def test_sending_too_fast_closes_with_the_rate(join: Join, hub: PoseHub) -> None:
    alice, flooder = join("alice"), join("flooder")
    for seq in range(300):
        flooder.incoming.put_nowait(frame(seq))
    code, reason = await until_closed(flooder)
    assert code == CloseCode.too_many_frames
    assert "120" in reason
    assert hub.stats.closed_rate == 1
    assert alice.closed is None


async def test_a_steady_72_hz_sender_is_not_cut_off(join: Join) -> None:
    sender, watcher = join("sender"), join("watcher")
    for seq in range(72):
        sender.incoming.put_nowait(frame(seq, seq * 0.01))
        await asyncio.sleep(1 / 72)
    await until(newest_is(watcher, 71))
    assert sender.closed is None
    assert watcher.slots_seen() == {0}


async def test_guests_watch_but_their_poses_are_not_relayed(join: Join, hub: PoseHub) -> None:
    reader, guest = join("reader"), join("visitor", role="guest")
    reader.incoming.put_nowait(frame(1))
    guest.incoming.put_nowait(frame(1))
    # Both frames are handled before the tick that brings the guest the reader's pose; the
    # reader's snapshot of that tick (had the guest's pose been kept) is sent first.
    await until(lambda: 0 in guest.slots_seen() and hub.stats.frames_ignored == 1)
    assert decode_welcome(guest.received[0]).send is False
    assert guest.slots_seen() == {0}
    assert reader.slots_seen() == set()
    assert guest.closed is None
    assert hub.stats.frames_ignored == 1


async def test_guests_are_relayed_when_the_setting_allows() -> None:
    hub = PoseHub(PoseConfig(tick_hz=TICK_HZ, guests_send=True))
    reader, guest = MemoryChannel(), MemoryChannel()
    tasks = [
        asyncio.create_task(hub.serve("r", PoseMember("r", "R", "reader"), reader)),
        asyncio.create_task(hub.serve("r", PoseMember("g", "G", "guest"), guest)),
    ]
    await ticks(1)
    guest.incoming.put_nowait(frame(1))
    await until(lambda: 1 in reader.slots_seen())
    assert decode_welcome(guest.received[0]).send is True
    assert reader.slots_seen() == {1}
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await hub.aclose()


async def test_a_full_room_says_try_again_later(join: Join) -> None:
    for user in ("a", "b", "c"):
        join(user)
    fourth = join("d")
    code, reason = await until_closed(fourth)
    assert code == CloseCode.try_again_later
    assert "full" in reason


async def test_a_client_that_stops_reading_does_not_hold_up_the_others(
    join: Join, hub: PoseHub
) -> None:
    stuck, watcher, mover = join("stuck"), join("watcher"), join("mover")
    await ticks(1)
    stuck.flowing.clear()
    for seq in range(30):
        # Paced by what the watcher receives, not by the clock: each pose reaches it while
        # the stuck client reads nothing.
        mover.incoming.put_nowait(frame(seq, seq * 0.01))
        await until(newest_is(watcher, seq))
    snapshots = [decode_snapshot(d) for d in watcher.of_type(MessageType.snapshot)]
    assert len(snapshots) >= 15
    assert int(snapshots[-1].seq[-1]) >= 25
    # The stuck client holds one snapshot in its send and one waiting; every later tick
    # skips it instead of queueing.
    assert hub.stats.skipped >= len(snapshots) - 3
    stuck.flowing.set()
    await until(newest_is(stuck, 29))


async def test_rooms_are_separate_and_vanish_when_empty(join: Join, hub: PoseHub) -> None:
    a, b = join("a", room="one"), join("b", room="two")
    a.incoming.put_nowait(frame(1))
    b.incoming.put_nowait(frame(1))
    await ticks(5)
    assert a.slots_seen() == set()
    assert hub.rooms == 2
    a.incoming.put_nowait(None)
    b.incoming.put_nowait(None)
    await until(lambda: hub.rooms == 0)
    assert hub.stats.connections == 0
