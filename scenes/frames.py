"""Plan frames: furniture is modelled in its own frame (a = along, to the right of a
reader facing it; y = up; o = out, towards that reader) and placed in the room by one of
four quarter turns, so its boxes stay axis-aligned in the GLB."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from scenes.template import Facing

F64 = npt.NDArray[np.float64]

OUT: dict[Facing, tuple[float, float, float]] = {
    "north": (0.0, 0.0, -1.0),
    "south": (0.0, 0.0, 1.0),
    "east": (1.0, 0.0, 0.0),
    "west": (-1.0, 0.0, 0.0),
}
ALONG: dict[Facing, tuple[float, float, float]] = {
    "north": (-1.0, 0.0, 0.0),
    "south": (1.0, 0.0, 0.0),
    "east": (0.0, 0.0, -1.0),
    "west": (0.0, 0.0, 1.0),
}
OPPOSITE: dict[Facing, Facing] = {
    "north": "south",
    "south": "north",
    "east": "west",
    "west": "east",
}
YAW_DEGREES: dict[Facing, float] = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}


def to_world(
    origin: tuple[float, float], facing: Facing, local_centers: F64, local_sizes: F64
) -> tuple[F64, F64]:
    """Boxes given in a frame (a, y, o) -> world centres and axis-aligned world sizes."""
    along = np.array(ALONG[facing])
    out = np.array(OUT[facing])
    up = np.array([0.0, 1.0, 0.0])
    base = np.array([origin[0], 0.0, origin[1]])
    lc = np.asarray(local_centers, dtype=np.float64).reshape(-1, 3)
    ls = np.asarray(local_sizes, dtype=np.float64).reshape(-1, 3)
    centers = base + lc[:, 0:1] * along + lc[:, 1:2] * up + lc[:, 2:3] * out
    sizes = ls[:, 0:1] * np.abs(along) + ls[:, 1:2] * up + ls[:, 2:3] * np.abs(out)
    return centers, sizes


def yaw_quaternion(degrees_clockwise_from_north: float) -> tuple[float, float, float, float]:
    """A node rotation that turns glTF's forward (-z, north here) clockwise seen from above."""
    half = -math.radians(degrees_clockwise_from_north) / 2
    return (0.0, math.sin(half), 0.0, math.cos(half))
