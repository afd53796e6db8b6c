"""The three page-image sizes every client knows, by their long side in pixels."""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np


class PageSize(StrEnum):
    thumb = "thumb"
    medium = "medium"
    full = "full"

    @property
    def long_side(self) -> int:
        return _LONG_SIDE[self]


_LONG_SIDE = {PageSize.thumb: 256, PageSize.medium: 1024, PageSize.full: 2048}

# Made at ingest; `full` is made on first request, then warmed in the background.
INGEST_SIZES = (PageSize.thumb, PageSize.medium)
JPEG_QUALITY = 85


def scaled_size(width_pt: float, height_pt: float, long_side: int) -> tuple[int, int]:
    """Pixel size of a page rendered to `long_side`, exactly as MuPDF sizes the pixmap
    (float32 arithmetic, edges rounded outward past a 0.001 tolerance), so sizes promised in
    manifests and info.json before a page is rendered match the image made later."""
    scale = np.float32(long_side / max(width_pt, height_pt))
    tolerance = np.float32(0.001)
    width = math.ceil(np.float32(width_pt) * scale - tolerance)
    height = math.ceil(np.float32(height_pt) * scale - tolerance)
    return max(1, width), max(1, height)
