"""Quantisation of positions and rotations for the pose channel, vectorised over users.

Rotations travel as "smallest three" quaternions in one 32-bit word, hand positions as
10-bit offsets from the head in one word, so a whole user fits in 30 bytes on the wire
(docs/protocols.md). Every function works on arrays of n poses at once.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Words = NDArray[np.uint32]

#: The three smaller components of a unit quaternion lie in [-1/sqrt(2), 1/sqrt(2)].
QUAT_LIMIT = 1.0 / math.sqrt(2.0)
#: Each small component is an integer in [0, 2 * QUAT_HALF]; QUAT_HALF means 0.0.
QUAT_HALF = 511
QUAT_STEP = QUAT_LIMIT / QUAT_HALF
#: The largest component is recomputed; it must be at least each small one, give or take
#: the rounding of both.
QUAT_TOLERANCE = 2.0 * QUAT_STEP

#: Head positions: int16 millimetres from the room origin.
HEAD_UNIT_M = 0.001
HEAD_LIMIT = 32767
#: Hand positions: signed 10-bit offsets from the head in 4 mm units (+-2.044 m).
HAND_UNIT_M = 0.004
HAND_LIMIT = 511
HAND_AXIS_BITS = 10
HAND_RESERVED_MASK = 0xC000_0000

# For a largest component at index i, the indices of the other three, in order.
_OTHERS = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]], dtype=np.intp)
_MASK10 = np.uint32(0x3FF)


def pack_quaternions(quaternions: ArrayLike) -> Words:
    """(n, 4) quaternions (x, y, z, w), any length but zero, as (n,) smallest-three words:
    bits 30-31 the index of the largest component, bits 0-9, 10-19, 20-29 the others."""
    q = np.asarray(quaternions, dtype=np.float64).reshape(-1, 4)
    norms = np.linalg.norm(q, axis=1)
    if not np.all(np.isfinite(norms)) or np.any(norms < 1e-9):
        raise ValueError("quaternions must be finite and non-zero")
    q = q / norms[:, None]
    rows = np.arange(len(q))
    largest = np.argmax(np.abs(q), axis=1)
    q *= np.where(q[rows, largest] < 0.0, -1.0, 1.0)[:, None]
    others = q[rows[:, None], _OTHERS[largest]]
    fields = np.rint(others / QUAT_STEP).clip(-QUAT_HALF, QUAT_HALF).astype(np.int64) + QUAT_HALF
    words = (
        (largest.astype(np.uint32) << np.uint32(30))
        | fields[:, 0].astype(np.uint32)
        | (fields[:, 1].astype(np.uint32) << np.uint32(10))
        | (fields[:, 2].astype(np.uint32) << np.uint32(20))
    )
    return np.asarray(words, dtype=np.uint32)


def _fields10(words: Words) -> NDArray[np.int64]:
    """The three 10-bit fields (bits 0-9, 10-19, 20-29) of each word, as (n, 3)."""
    shifts = np.array([0, 10, 20], dtype=np.uint32)
    return ((words[:, None] >> shifts) & _MASK10).astype(np.int64)


def _small_components(words: Words) -> tuple[NDArray[np.intp], NDArray[np.int64], Floats]:
    w = np.asarray(words, dtype=np.uint32).reshape(-1)
    largest = (w >> np.uint32(30)).astype(np.intp)
    fields = _fields10(w)
    others: Floats = (fields - QUAT_HALF).astype(np.float64) * QUAT_STEP
    return largest, fields, others


def valid_quaternions(words: ArrayLike) -> NDArray[np.bool_]:
    """Which words are rotations: every field in range and the dropped component largest."""
    _, fields, others = _small_components(np.asarray(words, dtype=np.uint32))
    squares = np.sum(others * others, axis=1)
    largest = np.sqrt(np.clip(1.0 - squares, 0.0, None))
    ok: NDArray[np.bool_] = (
        np.all(fields <= 2 * QUAT_HALF, axis=1)
        & (squares <= 1.0)
        & (np.max(np.abs(others), axis=1) <= largest + QUAT_TOLERANCE)
    )
    return ok


def unpack_quaternions(words: ArrayLike) -> Floats:
    """(n,) smallest-three words back to (n, 4) unit quaternions (x, y, z, w), w >= 0 when
    w is the largest; callers validate first (`valid_quaternions`)."""
    largest_index, _, others = _small_components(np.asarray(words, dtype=np.uint32))
    rows = np.arange(len(largest_index))
    largest = np.sqrt(np.clip(1.0 - np.sum(others * others, axis=1), 0.0, None))
    q = np.empty((len(rows), 4), dtype=np.float64)
    q[rows, largest_index] = largest
    q[rows[:, None], _OTHERS[largest_index]] = others
    norms = np.linalg.norm(q, axis=1)
    return q / np.where(norms > 0.0, norms, 1.0)[:, None]


def quantize_head(positions: ArrayLike) -> NDArray[np.int16]:
    """(n, 3) metres to int16 millimetres, clamped to +-32.767 m."""
    p = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(p)):
        raise ValueError("positions must be finite")
    return np.rint(p / HEAD_UNIT_M).clip(-HEAD_LIMIT, HEAD_LIMIT).astype(np.int16)


def head_metres(millimetres: ArrayLike) -> Floats:
    return np.asarray(millimetres, dtype=np.float64).reshape(-1, 3) * HEAD_UNIT_M


def pack_hand_offsets(hands: ArrayLike, heads_mm: ArrayLike) -> Words:
    """(n, 3) hand positions in metres as offsets from the quantised head, 3 x 10-bit signed
    4 mm units in bits 0-29 (x, y, z), clamped to +-2.044 m; bits 30-31 stay zero."""
    h = np.asarray(hands, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(h)):
        raise ValueError("positions must be finite")
    offsets = h - head_metres(heads_mm)
    units = np.rint(offsets / HAND_UNIT_M).clip(-HAND_LIMIT, HAND_LIMIT).astype(np.int64)
    fields = (units & 0x3FF).astype(np.uint32)
    words = fields[:, 0] | (fields[:, 1] << np.uint32(10)) | (fields[:, 2] << np.uint32(20))
    return np.asarray(words, dtype=np.uint32)


def _hand_fields(words: ArrayLike) -> NDArray[np.int64]:
    return (_fields10(np.asarray(words, dtype=np.uint32).reshape(-1)) ^ 0x200) - 0x200


def valid_hand_offsets(words: ArrayLike) -> NDArray[np.bool_]:
    """Reserved bits clear and no axis at -512 (outside the symmetric range)."""
    w = np.asarray(words, dtype=np.uint32).reshape(-1)
    ok: NDArray[np.bool_] = ((w & np.uint32(HAND_RESERVED_MASK)) == 0) & np.all(
        _hand_fields(w) >= -HAND_LIMIT, axis=1
    )
    return ok


def unpack_hand_offsets(words: ArrayLike, heads_mm: ArrayLike) -> Floats:
    """Hand words and their heads back to (n, 3) hand positions in metres."""
    return head_metres(heads_mm) + _hand_fields(words) * HAND_UNIT_M
