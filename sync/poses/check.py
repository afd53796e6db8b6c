"""The per-frame check on the server's hot path: plain `struct` and lookup tables, a few
microseconds a frame, accepting exactly what `codec.decode_pose_frame` accepts."""

from __future__ import annotations

import math
import struct

import numpy as np

from sync.poses import quantize as qz
from sync.poses.codec import FLAG_LEFT, FLAG_RIGHT, FRAME_SIZE, VERSION, MessageType
from sync.poses.errors import CloseCode, PoseFrameError

_FRAME = struct.Struct("<BBHB3hIIIII")
_FIELD_MAX = 2 * qz.QUAT_HALF
_HAND_MIN_FIELD = 0x200  # the one 10-bit pattern outside +-511: -512


class FrameChecker:
    """Validates POSE frames; built once per hub (the tables are its state)."""

    def __init__(self) -> None:
        values = ((np.arange(1024) - qz.QUAT_HALF) * qz.QUAT_STEP).astype(np.float64)
        self._square = (values * values).tolist()
        self._magnitude = np.abs(values).tolist()

    def _rotation_ok(self, word: int) -> bool:
        a, b, c = word & 0x3FF, (word >> 10) & 0x3FF, (word >> 20) & 0x3FF
        if a > _FIELD_MAX or b > _FIELD_MAX or c > _FIELD_MAX:
            return False
        square = self._square
        total = square[a] + square[b] + square[c]
        if total > 1.0:
            return False
        magnitude = self._magnitude
        largest = math.sqrt(max(1.0 - total, 0.0))
        return bool(max(magnitude[a], magnitude[b], magnitude[c]) <= largest + qz.QUAT_TOLERANCE)

    @staticmethod
    def _offset_ok(word: int) -> bool:
        return not (
            word & qz.HAND_RESERVED_MASK
            or word & 0x3FF == _HAND_MIN_FIELD
            or (word >> 10) & 0x3FF == _HAND_MIN_FIELD
            or (word >> 20) & 0x3FF == _HAND_MIN_FIELD
        )

    def check(self, data: bytes) -> None:
        """Raise PoseFrameError (with the close code to use) unless `data` is a POSE frame."""
        if len(data) >= 1 and data[0] != VERSION:
            raise PoseFrameError(
                f"pose protocol version {data[0]} is not supported; this server speaks {VERSION}",
                CloseCode.upgrade_required,
            )
        if len(data) >= 2 and data[1] != MessageType.pose:
            raise PoseFrameError(f"unexpected message type {data[1]}")
        if len(data) != FRAME_SIZE:
            raise PoseFrameError(f"pose frame must be {FRAME_SIZE} bytes, got {len(data)}")
        _, _, _, flags, _, _, _, head, left_pos, left_rot, right_pos, right_rot = _FRAME.unpack(
            data
        )
        if not (
            self._rotation_ok(head)
            and (
                not flags & FLAG_LEFT or (self._rotation_ok(left_rot) and self._offset_ok(left_pos))
            )
            and (
                not flags & FLAG_RIGHT
                or (self._rotation_ok(right_rot) and self._offset_ok(right_pos))
            )
        ):
            raise PoseFrameError("pose out of range: not a rotation, or reserved bits set")
