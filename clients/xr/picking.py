"""Which book a ray points at: the spines of a room are merged into a few meshes (one per
spine atlas), so a ray is tested against the slot boxes the room GLB lists in its extras,
all at once (the slab method, vectorised), instead of against per-book collision solids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Hit:
    index: int
    distance: float


def ray_boxes(
    origin: npt.ArrayLike, direction: npt.ArrayLike, boxes: Floats, max_distance: float = np.inf
) -> Hit | None:
    """The nearest box (N, 6: min xyz, max xyz) the ray enters in front of its origin."""
    if len(boxes) == 0:
        return None
    o = np.asarray(origin, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    norm = float(np.linalg.norm(d))
    if norm == 0.0:
        return None
    d = d / norm
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(d != 0.0, 1.0 / d, np.inf)
        t1 = (boxes[:, :3] - o) * inv
        t2 = (boxes[:, 3:] - o) * inv
    # A ray parallel to a slab: inside it the slab does not limit t, outside it misses.
    parallel = d == 0.0
    inside = (o >= boxes[:, :3]) & (o <= boxes[:, 3:])
    near = np.where(parallel, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2))
    far = np.where(parallel, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2))
    t_enter = near.max(axis=1)
    t_exit = far.min(axis=1)
    t_hit = np.where(t_enter >= 0.0, t_enter, t_exit)
    ok = (t_enter <= t_exit) & (t_exit >= 0.0) & (t_hit <= max_distance)
    if not ok.any():
        return None
    candidates = np.flatnonzero(ok)
    best = candidates[np.argmin(t_hit[candidates])]
    return Hit(int(best), float(t_hit[best]))


def ray_floor(
    origin: npt.ArrayLike, direction: npt.ArrayLike, height: float = 0.0
) -> Floats | None:
    """Where a ray (Panda frame, z up) meets the floor plane, if it points down at it."""
    o = np.asarray(origin, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    if d[2] >= -1e-6:
        return None
    t = (height - o[2]) / d[2]
    if t < 0:
        return None
    point: Floats = o + t * d
    return point
