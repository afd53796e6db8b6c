"""The pose channel client (docs/protocols.md): sends this viewer's head and hands at the
display's rate (capped by what the server allows), keeps everyone else's latest pose from
the snapshots and the roster's names. Frames are built and read by the server's own codec
(`sync.poses`), so both ends share one definition of the wire format."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from clients.xr.attempt import Ended, keep_connected
from clients.xr.frames import room_to_panda_points, room_to_panda_quats
from clients.xr.ysync import LinkStatus
from sync.poses.codec import (
    MessageType,
    Poses,
    decode_snapshot,
    encode_pose_frame,
    message_type,
)
from sync.poses.control import Welcome, decode_roster, decode_welcome
from sync.poses.errors import PoseFrameError

log = logging.getLogger("readingroom.xr")

Floats = npt.NDArray[np.float64]
SLOTS = 256
RATE_MARGIN = 0.9  # stay this far under the server's allowed rate
FATAL = {1003, 1013, 4400, 4401, 4403, 4426}


@dataclass(frozen=True, slots=True)
class PoseSample:
    """This viewer's pose in the room frame (y up), as the pose channel carries it."""

    head_position: tuple[float, float, float]
    head_rotation: tuple[float, float, float, float]  # x, y, z, w
    left: tuple[tuple[float, float, float], tuple[float, float, float, float]] | None = None
    right: tuple[tuple[float, float, float], tuple[float, float, float, float]] | None = None
    floor: int = 0


@dataclass(frozen=True, slots=True)
class Others:
    """Everyone else who has sent a pose, in Panda's frame, ready for the avatars."""

    version: int
    slots: npt.NDArray[np.int64]
    names: tuple[str, ...]
    head_position: Floats  # (N, 3)
    head_rotation: Floats  # (N, 4) w, x, y, z
    hand_position: Floats  # (N, 2, 3) left, right
    hand_rotation: Floats  # (N, 2, 4)
    hand_tracked: npt.NDArray[np.bool_]  # (N, 2)


NOBODY = Others(
    0,
    np.zeros(0, np.int64),
    (),
    np.zeros((0, 3)),
    np.zeros((0, 4)),
    np.zeros((0, 2, 3)),
    np.zeros((0, 2, 4)),
    np.zeros((0, 2), bool),
)


class _Table:
    """Latest pose per slot (snapshots only carry changes) and who holds each slot."""

    def __init__(self) -> None:
        self.head = np.zeros((SLOTS, 3))
        self.head_rot = np.tile([0.0, 0.0, 0.0, 1.0], (SLOTS, 1))
        self.hands = np.zeros((SLOTS, 2, 3))
        self.hands_rot = np.tile([0.0, 0.0, 0.0, 1.0], (SLOTS, 2, 1))
        self.tracked = np.zeros((SLOTS, 2), bool)
        self.posed = np.zeros(SLOTS, bool)
        self.names: dict[int, str] = {}
        self.version = 0

    def apply_snapshot(self, slots: npt.NDArray[np.uint8], poses: Poses) -> None:
        s = slots.astype(np.int64)
        self.head[s] = poses.head_position
        self.head_rot[s] = poses.head_rotation
        self.hands[s, 0] = poses.left_position
        self.hands[s, 1] = poses.right_position
        self.hands_rot[s, 0] = poses.left_rotation
        self.hands_rot[s, 1] = poses.right_rotation
        self.tracked[s, 0] = poses.left_tracked
        self.tracked[s, 1] = poses.right_tracked
        self.posed[s] = True
        self.version += 1

    def apply_roster(self, names: dict[int, str]) -> None:
        gone = np.ones(SLOTS, bool)
        gone[list(names)] = False
        self.posed[gone] = False
        self.names = names
        self.version += 1

    def clear(self) -> None:
        self.posed[:] = False
        self.names = {}
        self.version += 1

    def others(self, me: int | None) -> Others:
        present = self.posed.copy()
        if me is not None:
            present[me] = False
        idx = np.flatnonzero(present)
        return Others(
            version=self.version,
            slots=idx,
            names=tuple(self.names.get(int(i), f"#{i}") for i in idx),
            head_position=room_to_panda_points(self.head[idx]),
            head_rotation=room_to_panda_quats(self.head_rot[idx]),
            hand_position=room_to_panda_points(self.hands[idx]),
            hand_rotation=room_to_panda_quats(self.hands_rot[idx]),
            hand_tracked=self.tracked[idx].copy(),
        )


class _Outgoing:
    """One reusable `Poses` row: the sender fills it in place each frame and hands it to the
    server's codec, instead of building new arrays 90 times a second."""

    def __init__(self) -> None:
        self.poses = Poses.create((0.0, 0.0, 0.0))

    def encode(self, seq: int, sample: PoseSample) -> bytes:
        p = self.poses
        p.head_position[0] = sample.head_position
        p.head_rotation[0] = sample.head_rotation
        for hand, position, rotation, tracked in (
            (sample.left, p.left_position, p.left_rotation, p.left_tracked),
            (sample.right, p.right_position, p.right_rotation, p.right_tracked),
        ):
            tracked[0] = hand is not None
            if hand is not None:
                position[0], rotation[0] = hand
        p.floor[0] = sample.floor
        return encode_pose_frame(seq, p)


def encode_sample(seq: int, sample: PoseSample) -> bytes:
    return _Outgoing().encode(seq, sample)


class PoseClient:
    def __init__(
        self,
        url: str,
        *,
        rate_hz: float = 30.0,
        on_others: Callable[[Others], None] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        open_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.rate_hz = rate_hz
        self._on_others = on_others or (lambda others: None)
        self._on_status = on_status or (lambda status: None)
        self._open_timeout = open_timeout
        self._table = _Table()
        self._sample: PoseSample | None = None
        self._sample_id = 0
        self._seq = 0
        self._outgoing = _Outgoing()
        self.welcome: Welcome | None = None
        self.sent = 0
        self.status = LinkStatus("connecting")

    def offer(self, sample: PoseSample) -> None:
        """The newest pose; sent at the next send tick (older unsent ones are dropped)."""
        self._sample = sample
        self._sample_id += 1

    def _set_status(self, state: str, detail: str = "") -> None:
        self.status = LinkStatus(state, detail)
        self._on_status(self.status)

    async def run(self) -> None:
        await keep_connected(
            self._session,
            on_status=self._set_status,
            fatal=FATAL.__contains__,
            on_ended=self._ended,
        )

    def _ended(self, ended: Ended) -> None:
        self.welcome = None
        self._table.clear()
        self._on_others(self._table.others(None))
        if ended.code == 4429:  # too many frames: send at half the rate from now on
            self.rate_hz = max(self.rate_hz / 2, 5.0)

    async def _session(self) -> tuple[int, str]:
        async with connect(
            self.url, open_timeout=self._open_timeout, close_timeout=2, max_size=1 << 20
        ) as socket:
            sender = asyncio.create_task(self._send_loop(socket))
            try:
                async for message in socket:
                    if isinstance(message, bytes):
                        self._handle(message)
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await sender
            return socket.close_code or 1005, socket.close_reason or ""

    def _handle(self, message: bytes) -> None:
        try:
            kind = message_type(message)
            if kind == MessageType.snapshot:
                snapshot = decode_snapshot(message)
                self._table.apply_snapshot(snapshot.slots, snapshot.poses)
            elif kind == MessageType.roster:
                roster = decode_roster(message)
                self._table.apply_roster({e.slot: e.name or e.user for e in roster.users})
            elif kind == MessageType.welcome:
                self.welcome = decode_welcome(message)
                self._set_status("synced", "" if self.welcome.send else "watching (not shown)")
                return
            else:
                return
        except PoseFrameError as exc:
            log.warning("ignored a pose message the viewer cannot read (%s)", exc)
            return
        me = self.welcome.slot if self.welcome is not None else None
        self._on_others(self._table.others(me))

    async def _send_loop(self, socket: ClientConnection) -> None:
        sent_id = 0
        last: PoseSample | None = None
        next_at = time.monotonic()
        while True:
            welcome = self.welcome
            rate = self.rate_hz
            if welcome is not None:
                rate = min(rate, welcome.max_rate_hz * RATE_MARGIN)
            next_at = max(next_at + 1.0 / rate, time.monotonic())
            await asyncio.sleep(max(next_at - time.monotonic(), 0.001))
            sample = self._sample
            if welcome is None or not welcome.send or sample is None or self._sample_id == sent_id:
                continue
            sent_id = self._sample_id
            if sample == last:
                continue  # standing still: the server keeps showing the last pose
            last = sample
            self._seq = (self._seq + 1) & 0xFFFF
            await socket.send(self._outgoing.encode(self._seq, sample))
            self.sent += 1
