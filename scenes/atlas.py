"""Spine texture atlases: every spine of a chunk of books packed into a few square pages,
so the books of a whole room draw with one material per page."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from scenes.labels import SpineTypesetter
from scenes.placement import BookPlacement
from scenes.profiles import MASTER_ATLAS_SIZE, MASTER_PX_PER_MM
from scenes.spines import binding_color, ink_for

PAD = 4
"""Master pixels between strips, so mipmaps bleed little."""
PAPER = (238, 230, 208)
PAPER_PATCH = 32
_FILLER = (58, 46, 40)


@dataclass(frozen=True, slots=True)
class Atlas:
    """Pages at master density, and per book its page and its strip in UV units
    (u0, v0, u1, v1): u runs head to tail, v from the spine's right edge to its left."""

    pages: list[Image.Image]
    page_of: npt.NDArray[np.int64]
    rects: npt.NDArray[np.float64]
    paper_uv: npt.NDArray[np.float64]
    """(pages, 2): a texel of page-block paper on each page."""


def _strip_sizes(sizes_mm: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """(N, 2) strip length (book height) and thickness in master pixels."""
    px = np.rint(sizes_mm[:, :2][:, ::-1] * MASTER_PX_PER_MM).astype(np.int64)
    return np.maximum(px, 2)


def _pack(
    strips: npt.NDArray[np.int64], size: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[int]]:
    """Shelf packing, thickest strips first: rows of strips, rows filling pages. Returns
    each strip's page and top-left corner, and the height used on each page."""
    n = len(strips)
    page_of = np.zeros(n, dtype=np.int64)
    corner = np.zeros((n, 2), dtype=np.int64)
    used: list[int] = []
    order = np.lexsort((-strips[:, 0], -strips[:, 1]))
    page, x, y, row = 0, PAPER_PATCH + PAD, 0, PAPER_PATCH
    for i in order.tolist():
        length, thick = int(strips[i, 0]), int(strips[i, 1])
        if x + length > size:
            x, y, row = 0, y + row + PAD, 0
        if y + thick > size:
            used.append(y)
            page, x, y, row = page + 1, PAPER_PATCH + PAD, 0, PAPER_PATCH
        page_of[i] = page
        corner[i] = (x, y)
        x += length + PAD
        row = max(row, thick)
    used.append(y + row)
    return page_of, corner, used


def _page_height(used: int) -> int:
    """Pages are square powers of two except the last, trimmed to the power of two that
    holds what it uses (mipmaps want powers of two)."""
    height = 64
    while height < used:
        height *= 2
    return min(height, MASTER_ATLAS_SIZE)


def build_atlas(
    placements: Sequence[BookPlacement],
    sizes_mm: npt.NDArray[np.float64],
    typesetter: SpineTypesetter,
) -> Atlas:
    strips = _strip_sizes(sizes_mm)
    size = MASTER_ATLAS_SIZE
    page_of, corner, used = _pack(strips, size)
    heights = [_page_height(u) for u in used]
    pages = [Image.new("RGB", (size, h), _FILLER) for h in heights]
    draws = [ImageDraw.Draw(p) for p in pages]
    for d in draws:
        d.rectangle((0, 0, PAPER_PATCH - 1, PAPER_PATCH - 1), fill=PAPER)
    for i, placement in enumerate(placements):
        p = int(page_of[i])
        background = binding_color(placement)
        box = (int(corner[i, 0]), int(corner[i, 1]), int(strips[i, 0]), int(strips[i, 1]))
        typesetter.letter(
            draws[p], box, placement, background, ink_for(background), MASTER_PX_PER_MM
        )
    page_h = np.asarray(heights, dtype=np.float64)[page_of]
    rects = np.empty((len(placements), 4))
    rects[:, 0] = corner[:, 0] / size
    rects[:, 1] = corner[:, 1] / page_h
    rects[:, 2] = (corner[:, 0] + strips[:, 0]) / size
    rects[:, 3] = (corner[:, 1] + strips[:, 1]) / page_h
    paper = np.array([[PAPER_PATCH / 2 / size, PAPER_PATCH / 2 / h] for h in heights])
    return Atlas(pages, page_of, rects, paper)


def scaled(page: Image.Image, scale: float) -> Image.Image:
    """A page for a profile that keeps `scale` of the master density."""
    if scale >= 1.0:
        return page
    factor = round(1 / scale)
    return page.reduce(factor)


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """JPEG straight from Pillow's buffer (libjpeg-turbo); converting a 4096 px page to
    numpy first would cost as much as the encoding."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()
