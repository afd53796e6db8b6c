"""Between the room frame and Panda3D's frame.

The room frame is glTF's, WebXR's and OpenXR's: metres, y up, -z forward, right-handed; the
pose channel and the room GLB use it. Panda3D is z up, +y forward. panda3d-gltf converts a
point (x, y, z) to (x, -z, y), so everything here uses that one basis change C; a rotation
q becomes C q C^-1, i.e. its axis is mapped by C and its angle kept. Quaternions in the room
frame are (x, y, z, w) as the pose channel and glTF store them; in Panda's frame they are
(w, x, y, z) as `LQuaternion` takes them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def room_to_panda_points(points: npt.ArrayLike) -> Floats:
    """(..., 3) room-frame points or vectors -> Panda frame."""
    p = np.asarray(points, dtype=np.float64)
    return np.stack([p[..., 0], -p[..., 2], p[..., 1]], axis=-1)


def panda_to_room_points(points: npt.ArrayLike) -> Floats:
    """(..., 3) Panda-frame points or vectors -> room frame."""
    p = np.asarray(points, dtype=np.float64)
    return np.stack([p[..., 0], p[..., 2], -p[..., 1]], axis=-1)


def room_to_panda_quats(quats: npt.ArrayLike) -> Floats:
    """(..., 4) room (x, y, z, w) -> Panda (w, x, y, z)."""
    q = np.asarray(quats, dtype=np.float64)
    return np.stack([q[..., 3], q[..., 0], -q[..., 2], q[..., 1]], axis=-1)


def panda_to_room_quats(quats: npt.ArrayLike) -> Floats:
    """(..., 4) Panda (w, x, y, z) -> room (x, y, z, w)."""
    q = np.asarray(quats, dtype=np.float64)
    return np.stack([q[..., 1], q[..., 3], -q[..., 2], q[..., 0]], axis=-1)


def room_to_panda_boxes(boxes: npt.ArrayLike) -> Floats:
    """(N, 6) axis-aligned boxes (min x, y, z, max x, y, z) in the room frame -> Panda's.
    Room z becomes Panda -y, so the bounds on that axis swap."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 6)
    lo = np.stack([b[:, 0], -b[:, 5], b[:, 1]], axis=1)
    hi = np.stack([b[:, 3], -b[:, 2], b[:, 4]], axis=1)
    return np.concatenate([lo, hi], axis=1)


Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]


def room_pose_to_panda(position: Vec3, orientation: Quat) -> tuple[Vec3, Quat]:
    """One pose, without numpy (it runs every frame): room (x, y, z), (x, y, z, w) ->
    Panda (x, -z, y), (w, x, -z, y)."""
    x, y, z = position
    qx, qy, qz, qw = orientation
    return (x, -z, y), (qw, qx, -qz, qy)


def panda_pose_to_room(position: Vec3, orientation: Quat) -> tuple[Vec3, Quat]:
    """The inverse of `room_pose_to_panda`: Panda (x, y, z), (w, x, y, z) -> room."""
    x, y, z = position
    qw, qx, qy, qz = orientation
    return (x, z, -y), (qx, qz, -qy, qw)
