"""A book's real proportions and its binding colour, computed for many books at once."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from scenes.placement import BookPlacement

FloatArray = npt.NDArray[np.float64]

OCTAVO_MM = (152.0, 229.0)
"""Page width and height assumed when the catalog does not know them."""
TYPICAL_PAGES = 240
MM_PER_PAGE = 0.05
"""Half a leaf of 80 g/m2 book paper (about 0.1 mm per leaf)."""
BOARD_MM = 2.5
"""Each cover board; boards overhang the page block by 3 mm at head, tail and fore-edge."""
OVERHANG_MM = 3.0

_BINDINGS = (
    "#6e1f1f",
    "#7a2d22",
    "#1f3552",
    "#22405e",
    "#2b4a32",
    "#3a5a40",
    "#4a3426",
    "#5b3a29",
    "#1e1e24",
    "#3b2f4a",
    "#8a6d3b",
    "#a33b2a",
    "#d8cfb8",
    "#c9b991",
    "#2f5d62",
    "#6b705c",
)


def book_sizes_mm(placements: Sequence[BookPlacement]) -> FloatArray:
    """(N, 3) thickness, height, depth in millimetres: thickness from the page count,
    height and depth from the page size plus the boards."""
    n = len(placements)
    if n == 0:
        return np.zeros((0, 3))
    raw = np.array(
        [
            (p.page_count or np.nan, p.page_width_mm or np.nan, p.page_height_mm or np.nan)
            for p in placements
        ],
        dtype=np.float64,
    )
    pages = np.where(np.isfinite(raw[:, 0]) & (raw[:, 0] > 0), raw[:, 0], TYPICAL_PAGES)
    width = np.where(np.isfinite(raw[:, 1]) & (raw[:, 1] > 0), raw[:, 1], OCTAVO_MM[0])
    height = np.where(np.isfinite(raw[:, 2]) & (raw[:, 2] > 0), raw[:, 2], OCTAVO_MM[1])
    thickness = np.clip(pages * MM_PER_PAGE + 2 * BOARD_MM, 4.0, 160.0)
    out = np.empty((n, 3))
    out[:, 0] = thickness
    out[:, 1] = np.clip(height + 2 * OVERHANG_MM, 80.0, 650.0)
    out[:, 2] = np.clip(width + OVERHANG_MM + BOARD_MM, 60.0, 500.0)
    return out


def parse_hex(color: str) -> tuple[int, int, int] | None:
    value = color.strip().lstrip("#")
    if len(value) != 6:
        return None
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        return None


def binding_color(placement: BookPlacement) -> tuple[int, int, int]:
    """The catalog's spine colour if it gave a valid one, else a binding colour chosen
    stably from the record id (the same book looks the same in every room)."""
    if placement.spine_color:
        parsed = parse_hex(placement.spine_color)
        if parsed is not None:
            return parsed
    choice = _BINDINGS[zlib.crc32(placement.record_id.encode("utf-8")) % len(_BINDINGS)]
    parsed = parse_hex(choice)
    assert parsed is not None
    return parsed


def ink_for(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Gilt lettering on dark bindings, near-black on light ones."""
    r, g, b = background
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (32, 28, 24) if luminance > 140 else (222, 190, 112)
