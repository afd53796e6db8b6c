"""Pure conversions the XR mode needs, kept apart so they are tested without a headset:
an OpenXR field of view (four angles, asymmetric) as a Panda3D film, and an OpenXR pose
(y up, -z forward) as a Panda3D position and quaternion."""

from __future__ import annotations

import math
from dataclasses import dataclass

from clients.xr.frames import room_pose_to_panda


@dataclass(frozen=True, slots=True)
class Film:
    """A perspective lens with focal length 1: film size and offset reproduce the view's
    frustum exactly, including the off-centre one each eye of a headset has."""

    width: float
    height: float
    offset_x: float
    offset_y: float


def film_from_fov(left: float, right: float, up: float, down: float) -> Film:
    """Angles in radians as OpenXR gives them (left and down are negative)."""
    lo, r = math.tan(left), math.tan(right)
    u, d = math.tan(up), math.tan(down)
    if not (r > lo and u > d):
        raise ValueError("not a field of view: right must exceed left and up exceed down")
    return Film(r - lo, u - d, (r + lo) / 2, (u + d) / 2)


def panda_pose(
    position: tuple[float, float, float], orientation: tuple[float, float, float, float]
) -> tuple[tuple[float, float, float], tuple[float, float, float, float]]:
    """An OpenXR pose (the room frame's axes: y up, a view looks down -z) in Panda's frame,
    where a camera looks down +y."""
    return room_pose_to_panda(position, orientation)
