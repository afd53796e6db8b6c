"""The viewer's pose client on the real server's pose channel: what it sends is decoded
by the server (and relayed to another client, read here with the server's own codec), and
others' poses come back in Panda's frame for the avatars."""

from __future__ import annotations

import asyncio

import numpy as np
from websockets.asyncio.client import connect

from clients.xr.poses import Others, PoseClient, PoseSample, encode_sample
from sync.poses.codec import MessageType, Poses, decode_snapshot, encode_pose_frame, message_type
from sync.poses.control import decode_roster
from tests.support.live_server import LiveServer

ROOM = "pose-room"
SAMPLE = PoseSample(
    head_position=(1.0, 1.6, -2.0),
    head_rotation=(0.0, 0.3826834, 0.0, 0.9238795),
    right=((1.3, 1.2, -2.3), (0.0, 0.0, 0.0, 1.0)),
)


def url(server: LiveServer, token: str) -> str:
    return f"{server.ws_url}/ws/rooms/{ROOM}/poses?token={token}"


async def test_what_the_viewer_sends_decodes_on_the_server(live_server: LiveServer) -> None:
    viewer_token = live_server.token("viewer-1", "reader")
    observer_token = live_server.token("observer-1", "reader")
    seen: list[Others] = []
    someone = asyncio.Event()

    def others_arrived(others: Others) -> None:
        seen.append(others)
        if len(others.slots):
            someone.set()

    viewer = PoseClient(url(live_server, viewer_token), rate_hz=60, on_others=others_arrived)
    viewer.offer(SAMPLE)
    task = asyncio.create_task(viewer.run())
    try:
        async with connect(url(live_server, observer_token)) as observer:
            # The observer stands somewhere too, so the viewer sees an avatar.
            await observer.send(encode_pose_frame(1, Poses.create((3.0, 1.7, -1.0))))
            names: dict[int, str] = {}
            got = None
            async with asyncio.timeout(30):
                while got is None:
                    message = await observer.recv()
                    assert isinstance(message, bytes)
                    kind = message_type(message)
                    if kind == MessageType.roster:
                        names = {e.slot: e.user for e in decode_roster(message).users}
                    elif kind == MessageType.snapshot:
                        snapshot = decode_snapshot(message)
                        for i, slot in enumerate(snapshot.slots.tolist()):
                            if names.get(slot) == "viewer-1":
                                got = snapshot.poses.row(i)
            assert np.allclose(got.head_position[0], SAMPLE.head_position, atol=0.001)
            assert abs(abs(np.dot(got.head_rotation[0], SAMPLE.head_rotation)) - 1) < 1e-4
            assert got.right_tracked[0] and not got.left_tracked[0]
            assert np.allclose(got.right_position[0], SAMPLE.right[0], atol=0.003)  # type: ignore[index]
            await asyncio.wait_for(someone.wait(), 30)
            others = seen[-1]
            assert len(others.names) == 1 and others.names[0]
            # Room (3, 1.7, -1) is Panda (3, 1, 1.7).
            assert np.allclose(others.head_position[0], (3.0, 1.0, 1.7), atol=0.001)
        assert viewer.sent >= 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_refused_token_stops_the_pose_client(live_server: LiveServer) -> None:
    client = PoseClient(url(live_server, "not-a-token"), open_timeout=30)
    await asyncio.wait_for(client.run(), 60)
    assert client.status.state == "stopped"
    assert "4401" in client.status.detail


def test_a_frame_is_31_bytes_of_the_documented_layout() -> None:
    frame = encode_sample(258, SAMPLE)
    assert len(frame) == 31 and frame[:4] == bytes([1, 1, 2, 1])
