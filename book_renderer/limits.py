"""The limits a document must fit within before any worker spends time or memory on it."""

from __future__ import annotations

from dataclasses import dataclass

# 200 inches: the largest page PDF allows without UserUnit (14,400 units of 1/72 inch).
MAX_PAGE_SIDE_PT = 14_400.0
# A page narrower than this (about 0.35 mm) has no drawable area.
MIN_PAGE_SIDE_PT = 1.0


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Set from the server's settings; pickled into every worker task that needs them."""

    max_pages: int = 10_000
    max_page_pixels: int = 2048 * 2048 * 4
    max_page_side_pt: float = MAX_PAGE_SIDE_PT
