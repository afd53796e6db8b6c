"""Shelf ranges: the carcass (sides, boards, back, top, plinth) and the shelf lines books
stand on, filled in library order: face, bay left to right, shelf top to bottom, books
left to right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scenes.frames import ALONG, OPPOSITE, OUT, to_world
from scenes.template import Facing, ShelfRange

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

SIDE = 0.02
BOARD = 0.022
PLINTH = 0.08
TOP = 0.025
BACK = 0.012
INSET = 0.008
"""Spines stand this far behind the board's front edge."""
GAP = 0.0008


@dataclass(frozen=True, slots=True)
class ShelfLine:
    face: int
    bay: int
    level: int
    """1 is the top shelf, as librarians count."""
    start: float
    """Along-coordinate (in the face's own frame) where books start."""
    width: float
    base: float
    """Height of the board's top surface."""
    clearance: float


@dataclass(frozen=True, slots=True)
class RangeSlots:
    """Where each selected book of one range stands, in placement order; books that did
    not fit have line -1."""

    line: I64
    offset: F64
    lines: tuple[ShelfLine, ...]

    @property
    def placed(self) -> int:
        return int((self.line >= 0).sum())


def spacing(shelf: ShelfRange) -> float:
    return (shelf.height - PLINTH - TOP) / shelf.shelves


def faces(shelf: ShelfRange) -> list[Facing]:
    return [shelf.facing, OPPOSITE[shelf.facing]] if shelf.double_faced else [shelf.facing]


def shelf_lines(shelf: ShelfRange) -> tuple[ShelfLine, ...]:
    step = spacing(shelf)
    half = shelf.length / 2
    lines = []
    for face in range(len(faces(shelf))):
        for bay in range(shelf.bays):
            start = -half + bay * shelf.bay_width + (SIDE if bay == 0 else SIDE / 2)
            end = (
                -half + (bay + 1) * shelf.bay_width - (SIDE if bay == shelf.bays - 1 else SIDE / 2)
            )
            for level in range(1, shelf.shelves + 1):
                k = shelf.shelves - level
                lines.append(
                    ShelfLine(
                        face,
                        bay,
                        level,
                        start,
                        end - start,
                        PLINTH + k * step + BOARD,
                        step - BOARD,
                    )
                )
    return tuple(lines)


def fill(shelf: ShelfRange, thickness_m: Sequence[float]) -> RangeSlots:
    """Stand books left to right, moving to the next shelf line when one is full."""
    lines = shelf_lines(shelf)
    n = len(thickness_m)
    line = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n)
    current, used = 0, 0.0
    for i, t in enumerate(thickness_m):
        while current < len(lines) and used + t > lines[current].width:
            current, used = current + 1, 0.0
        if current >= len(lines):
            break
        line[i] = current
        offset[i] = used
        used += t + GAP
    return RangeSlots(line, offset, lines)


def capacity_estimate(shelf: ShelfRange, mean_thickness_m: float = 0.022) -> int:
    total = sum(line.width for line in shelf_lines(shelf))
    return int(total / (mean_thickness_m + GAP))


def book_frames(
    shelf: ShelfRange, slots: RangeSlots, sizes_m: F64
) -> tuple[F64, F64, F64, F64, npt.NDArray[np.bool_]]:
    """World centres, clamped sizes, along and out vectors of the books that fit, and
    which were too tall or deep for their shelf (shrunk to fit, flagged for clients)."""
    placed = slots.line >= 0
    idx = slots.line[placed]
    size = sizes_m[placed].copy()
    face = np.array([ln.face for ln in slots.lines], dtype=np.int64)[idx]
    start = np.array([ln.start for ln in slots.lines])[idx]
    base = np.array([ln.base for ln in slots.lines])[idx]
    clearance = np.array([ln.clearance for ln in slots.lines])[idx]
    back = BACK / 2 if shelf.double_faced else BACK
    max_depth = shelf.depth - INSET - back - 0.004
    oversize = (size[:, 1] > clearance - 0.006) | (size[:, 2] > max_depth)
    size[:, 1] = np.minimum(size[:, 1], clearance - 0.006)
    size[:, 2] = np.minimum(size[:, 2], max_depth)
    front = shelf.total_depth / 2
    a = start + slots.offset[placed] + size[:, 0] / 2
    o = front - INSET - size[:, 2] / 2
    y = base + size[:, 1] / 2
    facings = faces(shelf)
    along = np.array([ALONG[facings[f]] for f in range(len(facings))])[face]
    out = np.array([OUT[facings[f]] for f in range(len(facings))])[face]
    origin = np.array([shelf.position[0], 0.0, shelf.position[1]])
    centers = (
        origin + a[:, None] * along + y[:, None] * np.array([0.0, 1.0, 0.0]) + o[:, None] * out
    )
    return centers, size, along, out, oversize


def carcass(shelf: ShelfRange, detail: str) -> tuple[F64, F64]:
    """World boxes of the range's woodwork."""
    length, depth, height = shelf.length, shelf.total_depth, shelf.height
    half = length / 2
    centers: list[tuple[float, float, float]] = []
    sizes: list[tuple[float, float, float]] = []
    for k in range(shelf.bays + 1):
        a = -half + k * shelf.bay_width
        a = min(max(a, -half + SIDE / 2), half - SIDE / 2)
        centers.append((a, height / 2, 0.0))
        sizes.append((SIDE, height, depth))
    back_o = 0.0 if shelf.double_faced else -depth / 2 + BACK / 2
    centers.append((0.0, (height - TOP) / 2, back_o))
    sizes.append((length - 2 * SIDE, height - TOP, BACK))
    step = spacing(shelf)
    inner = length - 2 * SIDE
    for k in range(shelf.shelves):
        centers.append((0.0, PLINTH + k * step + BOARD / 2, 0.0))
        sizes.append((inner, BOARD, depth - 0.002))
    centers.append((0.0, height - TOP / 2, 0.0))
    sizes.append((length + 0.012, TOP, depth + 0.012))
    if detail == "high":
        for side in (1.0, -1.0) if shelf.double_faced else (1.0,):
            centers.append((0.0, PLINTH / 2, side * (depth / 2 - 0.02)))
            sizes.append((inner, PLINTH, 0.018))
    return to_world(shelf.position, shelf.facing, np.array(centers), np.array(sizes))
