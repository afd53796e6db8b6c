"""Interest management: who sees whom at full rate. Users on the same floor within the near
distance get every tick; everyone else gets a share of ticks, staggered by slot so the load
of far users spreads evenly over ticks."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def due_matrix(
    head_mm: NDArray[np.int16],
    floors: NDArray[np.integer],
    active: NDArray[np.bool_],
    tick: int,
    near_mm: float,
    far_every: int,
) -> NDArray[np.bool_]:
    """due[c, j]: whether user j's pose belongs in c's snapshot this tick (never c's own,
    never a user without a pose). A receiver that has sent no pose (a desktop observer)
    has no position, so it sees everyone at full rate."""
    n = len(active)
    positions = head_mm.astype(np.float32)
    diff = positions[:, None, :] - positions[None, :, :]
    near = np.einsum("ijk,ijk->ij", diff, diff) <= np.float32(near_mm * near_mm)
    near &= floors[:, None] == floors[None, :]
    phase = (tick + np.arange(n)) % far_every == 0
    due: NDArray[np.bool_] = near | phase[None, :] | ~active[:, None]
    due &= active[None, :]
    np.fill_diagonal(due, False)
    return due
