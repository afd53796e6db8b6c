"""The pose channel's binary frames (version 1, little-endian), per docs/protocols.md.

Client to server: one POSE frame of 31 bytes per sample. Server to client: a SNAPSHOT of
30-byte records, one per other user (ROSTER and WELCOME are in `control`). A record is the
client's frame minus version and type, plus the sender's slot, so the server stores a pose
by copying bytes and builds snapshots by slicing one array.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sync.poses import quantize as qz
from sync.poses.errors import CloseCode, PoseFrameError

VERSION = 1


class MessageType(IntEnum):
    pose = 0x01
    snapshot = 0x02
    roster = 0x03
    welcome = 0x04


_BODY_FIELDS: list[tuple[str, str] | tuple[str, str, tuple[int, ...]]] = [
    ("flags", "u1"),
    ("head", "<i2", (3,)),
    ("head_rot", "<u4"),
    ("left_pos", "<u4"),
    ("left_rot", "<u4"),
    ("right_pos", "<u4"),
    ("right_rot", "<u4"),
]
FRAME_DTYPE = np.dtype([("version", "u1"), ("type", "u1"), ("seq", "<u2"), *_BODY_FIELDS])
RECORD_DTYPE = np.dtype([("slot", "u1"), ("seq", "<u2"), *_BODY_FIELDS])
FRAME_SIZE = FRAME_DTYPE.itemsize
RECORD_SIZE = RECORD_DTYPE.itemsize
HEADER = struct.Struct("<BBH")
HEADER_SIZE = HEADER.size
#: A record is a frame's bytes from here on, behind the slot byte.
FRAME_BODY_START = 2

FLAG_LEFT = 0x01
FLAG_RIGHT = 0x02
FLOOR_SHIFT = 2
MAX_FLOOR = 63
MAX_SEQ = 0xFFFF
#: The identity rotation (0, 0, 0, 1) as a smallest-three word: what an untracked hand sends.
IDENTITY_WORD = 0xDFF7FDFF


@dataclass(frozen=True, slots=True)
class Poses:
    """n poses: positions in metres in the room frame (y up), rotations as unit quaternions
    (x, y, z, w), which hands are tracked, and the floor each user stands on."""

    head_position: NDArray[np.float64]
    head_rotation: NDArray[np.float64]
    left_position: NDArray[np.float64]
    left_rotation: NDArray[np.float64]
    right_position: NDArray[np.float64]
    right_rotation: NDArray[np.float64]
    left_tracked: NDArray[np.bool_]
    right_tracked: NDArray[np.bool_]
    floor: NDArray[np.int64]

    @classmethod
    def create(
        cls,
        head_position: ArrayLike,
        head_rotation: ArrayLike = (0.0, 0.0, 0.0, 1.0),
        *,
        left_position: ArrayLike | None = None,
        left_rotation: ArrayLike = (0.0, 0.0, 0.0, 1.0),
        right_position: ArrayLike | None = None,
        right_rotation: ArrayLike = (0.0, 0.0, 0.0, 1.0),
        floor: ArrayLike = 0,
    ) -> Poses:
        """Broadcast to n poses; a hand given as None is not tracked."""
        head = np.atleast_2d(np.asarray(head_position, dtype=np.float64))
        n = head.shape[0]

        def vectors(value: ArrayLike | None, width: int) -> NDArray[np.float64]:
            if value is None:
                return np.zeros((n, width))
            return np.broadcast_to(np.asarray(value, dtype=np.float64), (n, width)).copy()

        return cls(
            head_position=vectors(head, 3),
            head_rotation=vectors(head_rotation, 4),
            left_position=vectors(left_position, 3),
            left_rotation=vectors(left_rotation, 4),
            right_position=vectors(right_position, 3),
            right_rotation=vectors(right_rotation, 4),
            left_tracked=np.full(n, left_position is not None),
            right_tracked=np.full(n, right_position is not None),
            floor=np.broadcast_to(np.asarray(floor, dtype=np.int64), (n,)).copy(),
        )

    def __len__(self) -> int:
        return int(self.head_position.shape[0])

    def row(self, index: int) -> Poses:
        """The one pose at `index`, as a batch of one."""
        part = slice(index, index + 1)
        return Poses(*(getattr(self, f.name)[part] for f in fields(self)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    tick: int
    slots: NDArray[np.uint8]
    seq: NDArray[np.uint16]
    poses: Poses


def _fill_body(out: NDArray[Any], poses: Poses) -> None:
    floors = np.asarray(poses.floor)
    if np.any((floors < 0) | (floors > MAX_FLOOR)):
        raise ValueError(f"floor must be within 0..{MAX_FLOOR}")
    left = np.asarray(poses.left_tracked, dtype=bool)
    right = np.asarray(poses.right_tracked, dtype=bool)
    out["flags"] = (
        left.astype(np.uint8) * FLAG_LEFT
        | right.astype(np.uint8) * FLAG_RIGHT
        | (floors.astype(np.uint8) << FLOOR_SHIFT)
    )
    head = qz.quantize_head(poses.head_position)
    out["head"] = head
    out["head_rot"] = qz.pack_quaternions(poses.head_rotation)
    for side, tracked in (("left", left), ("right", right)):
        rotation = np.where(tracked[:, None], getattr(poses, f"{side}_rotation"), [0, 0, 0, 1])
        position = np.where(tracked[:, None], getattr(poses, f"{side}_position"), 0.0)
        out[f"{side}_rot"] = qz.pack_quaternions(rotation)
        out[f"{side}_pos"] = np.where(tracked, qz.pack_hand_offsets(position, head), 0)


def _read_body(rows: NDArray[Any]) -> Poses:
    """Decode and validate body fields of frames or records; PoseFrameError if any is bad."""
    flags = rows["flags"].astype(np.uint8)
    left = (flags & FLAG_LEFT) != 0
    right = (flags & FLAG_RIGHT) != 0
    ok = qz.valid_quaternions(rows["head_rot"])
    ok &= ~left | (qz.valid_quaternions(rows["left_rot"]) & qz.valid_hand_offsets(rows["left_pos"]))
    ok &= ~right | (
        qz.valid_quaternions(rows["right_rot"]) & qz.valid_hand_offsets(rows["right_pos"])
    )
    if not np.all(ok):
        raise PoseFrameError("pose out of range: not a rotation, or reserved bits set")
    head = rows["head"]
    return Poses(
        head_position=qz.head_metres(head),
        head_rotation=qz.unpack_quaternions(rows["head_rot"]),
        left_position=qz.unpack_hand_offsets(rows["left_pos"], head),
        left_rotation=qz.unpack_quaternions(rows["left_rot"]),
        right_position=qz.unpack_hand_offsets(rows["right_pos"], head),
        right_rotation=qz.unpack_quaternions(rows["right_rot"]),
        left_tracked=left,
        right_tracked=right,
        floor=(flags >> FLOOR_SHIFT).astype(np.int64),
    )


def encode_pose_frames(seq: ArrayLike, poses: Poses) -> NDArray[Any]:
    """n POSE frames as a structured array; `frames[i].tobytes()` is what client i sends."""
    frames = np.zeros(len(poses), dtype=FRAME_DTYPE)
    frames["version"] = VERSION
    frames["type"] = MessageType.pose
    frames["seq"] = np.asarray(seq, dtype=np.int64) & MAX_SEQ
    _fill_body(frames, poses)
    return frames


def encode_pose_frame(seq: int, poses: Poses) -> bytes:
    if len(poses) != 1:
        raise ValueError("encode_pose_frame takes exactly one pose")
    return encode_pose_frames([seq], poses).tobytes()


def check_header(data: bytes, expected: MessageType) -> None:
    if len(data) < HEADER_SIZE:
        raise PoseFrameError(f"frame of {len(data)} bytes is shorter than the header")
    if data[0] != VERSION:
        raise PoseFrameError(
            f"pose protocol version {data[0]} is not supported; this server speaks {VERSION}",
            CloseCode.upgrade_required,
        )
    if data[1] != expected:
        raise PoseFrameError(f"unexpected message type {data[1]}")


def decode_pose_frame(data: bytes) -> tuple[int, Poses]:
    """The sequence number and pose of one POSE frame, validated."""
    check_header(data, MessageType.pose)
    if len(data) != FRAME_SIZE:
        raise PoseFrameError(f"pose frame must be {FRAME_SIZE} bytes, got {len(data)}")
    frame = np.frombuffer(data, dtype=FRAME_DTYPE)
    return int(frame["seq"][0]), _read_body(frame)


def encode_snapshot_header(tick: int) -> bytes:
    return HEADER.pack(VERSION, MessageType.snapshot, tick & MAX_SEQ)


def encode_records(slots: ArrayLike, seq: ArrayLike, poses: Poses) -> NDArray[Any]:
    """Snapshot records for n users (a server builds these by copying frames instead)."""
    records = np.zeros(len(poses), dtype=RECORD_DTYPE)
    records["slot"] = slots
    records["seq"] = np.asarray(seq, dtype=np.int64) & MAX_SEQ
    _fill_body(records, poses)
    return records


def decode_snapshot(data: bytes) -> Snapshot:
    check_header(data, MessageType.snapshot)
    size = len(data) - HEADER_SIZE
    if size % RECORD_SIZE:
        raise PoseFrameError(
            f"snapshot body of {size} bytes is not whole {RECORD_SIZE}-byte records"
        )
    records = np.frombuffer(data, dtype=RECORD_DTYPE, offset=HEADER_SIZE)
    _, _, tick = HEADER.unpack_from(data)
    return Snapshot(
        tick=tick,
        slots=records["slot"].copy(),
        seq=records["seq"].copy(),
        poses=_read_body(records),
    )


def message_type(data: bytes) -> MessageType:
    """The type of a server message, after checking the version."""
    if len(data) < HEADER_SIZE:
        raise PoseFrameError(f"frame of {len(data)} bytes is shorter than the header")
    try:
        kind = MessageType(data[1])
    except ValueError:
        raise PoseFrameError(f"unknown message type {data[1]}") from None
    check_header(data, kind)
    return kind
