"""The room frame (glTF/OpenXR: y up, -z forward) and Panda's (z up, +y forward) agree
with panda3d-gltf's conversion, both ways, for points, rotations and boxes."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from panda3d.core import LQuaternion, NodePath, Vec3

from clients.xr.frames import (
    panda_pose_to_room,
    panda_to_room_points,
    panda_to_room_quats,
    room_pose_to_panda,
    room_to_panda_boxes,
    room_to_panda_points,
    room_to_panda_quats,
)
from clients.xr.viewer import _room_pose

coords = st.floats(-50, 50, allow_nan=False)


@given(st.tuples(coords, coords, coords))
def test_points_round_trip(p: tuple[float, float, float]) -> None:
    assert np.allclose(panda_to_room_points(room_to_panda_points(p)), p)


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=4, max_size=4))
def test_rotations_rotate_the_same_way_in_both_frames(q: list[float]) -> None:
    quat = np.array(q)
    if np.linalg.norm(quat) < 0.1:
        return
    quat /= np.linalg.norm(quat)
    vector = np.array([0.3, -0.7, 0.2])
    # Rotate in the room frame, then convert; or convert, then rotate in Panda's frame.
    x, y, z, w = quat
    room_rotated = _rotate((w, x, y, z), vector)
    panda_quat = room_to_panda_quats(quat)
    panda_rotated = _rotate(tuple(panda_quat), room_to_panda_points(vector))
    assert np.allclose(room_to_panda_points(room_rotated), panda_rotated, atol=1e-6)
    assert np.allclose(panda_to_room_quats(panda_quat), quat)


def _rotate(q: tuple[float, ...], v: np.ndarray) -> np.ndarray:
    result = LQuaternion(*q).xform(Vec3(*v))
    return np.array([result.x, result.y, result.z])


def test_a_head_turned_left_is_a_positive_yaw_in_the_room_frame() -> None:
    root = NodePath("render")
    head = root.attachNewNode("head")
    head.setPos(1.0, 2.0, 1.6)
    head.setH(90)  # Panda: counter-clockwise seen from above, towards -x
    position, rotation = _room_pose(head, root)
    assert np.allclose(position, (1.0, 1.6, -2.0), atol=1e-6)
    half = math.radians(45)
    assert np.allclose(rotation, (0.0, math.sin(half), 0.0, math.cos(half)), atol=1e-6)


def test_boxes_keep_min_below_max() -> None:
    boxes = room_to_panda_boxes([[0, 1, 2, 1, 2, 4]])
    assert np.allclose(boxes, [[0, -4, 1, 1, -2, 2]])


@given(st.tuples(coords, coords, coords), st.tuples(*[st.floats(-1, 1)] * 4))
def test_the_per_frame_pose_conversion_agrees_with_the_arrays(
    p: tuple[float, float, float], q: tuple[float, float, float, float]
) -> None:
    position, orientation = room_pose_to_panda(p, q)
    assert np.allclose(position, room_to_panda_points(p))
    assert np.allclose(orientation, room_to_panda_quats(q))
    back = panda_pose_to_room(position, orientation)
    assert np.allclose(back[0], p) and np.allclose(back[1], q)
