"""Page rasters to JPEG: MuPDF rasterises, libjpeg-turbo (simplejpeg) encodes straight from
the pixmap's memory, with no copy in between (PyMuPDF's own JPEG writer is ~8x slower)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymupdf
import simplejpeg

from book_renderer.errors import PixelLimitError
from book_renderer.limits import RenderLimits
from book_renderer.sizes import JPEG_QUALITY, PageSize


@dataclass(frozen=True, slots=True)
class RenderedImage:
    data: bytes
    width: int
    height: int


def rasterise(
    page: pymupdf.Page,
    long_side: int,
    limits: RenderLimits,
    display_list: pymupdf.DisplayList | None = None,
) -> pymupdf.Pixmap:
    """The page at `long_side` pixels; from `display_list` when several sizes are made, so
    the page's content is interpreted once."""
    rect = page.rect
    scale = long_side / max(rect.width, rect.height)
    width, height = rect.width * scale, rect.height * scale
    if width * height > limits.max_page_pixels:
        raise PixelLimitError(
            f"page {page.number + 1} would render to {width:,.0f} x {height:,.0f} pixels; "
            f"the limit is {limits.max_page_pixels:,}"
        )
    source = display_list if display_list is not None else page
    return source.get_pixmap(
        matrix=pymupdf.Matrix(scale, scale), colorspace=pymupdf.csRGB, alpha=False
    )


def encode_jpeg(pix: pymupdf.Pixmap, quality: int = JPEG_QUALITY) -> RenderedImage:
    """A numpy view over `samples_mv` (no copy) handed to libjpeg-turbo, 4:2:0."""
    width, height, stride = pix.width, pix.height, pix.stride
    rows = np.frombuffer(pix.samples_mv, dtype=np.uint8).reshape(height, stride)
    pixels = rows[:, : width * 3].reshape(height, width, 3)
    if not pixels.flags.c_contiguous:
        pixels = np.ascontiguousarray(pixels)
    data = simplejpeg.encode_jpeg(pixels, quality=quality, colorspace="RGB", colorsubsampling="420")
    return RenderedImage(bytes(data), width, height)


def render_jpeg(page: pymupdf.Page, size: PageSize, limits: RenderLimits) -> RenderedImage:
    return encode_jpeg(rasterise(page, size.long_side, limits))
