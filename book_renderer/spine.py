"""Textures for the 3D book that are not pages: the spine with its title, rendered through
MuPDF's HTML layout (its fallback fonts cover Chinese, Japanese and Korean), and plain paper.
Runs in render workers."""

from __future__ import annotations

import html
import math

import numpy as np
import pymupdf

from book_renderer.pages import encode_jpeg

SPINE_LONG_SIDE_PX = 1024
_MIN_SHORT_SIDE_PX = 32
CLOTH_RGB = (0.42, 0.09, 0.10)
_INK = "#efe3c0"
PAPER_RGB = (246, 242, 232)


def spine_texture(title: str, length_mm: float, width_mm: float) -> bytes:
    """A JPEG as long as the spine (text runs along it) with the title centred, shrunk to fit."""
    length_pt, width_pt = length_mm * 72 / 25.4, max(width_mm, 1.0) * 72 / 25.4
    margin = min(width_pt * 0.12, 6.0)
    box = pymupdf.Rect(width_pt, margin, length_pt - width_pt, width_pt - margin)
    size = max(4.0, width_pt * 0.55)
    css = (
        f"* {{font-family: serif; color: {_INK}; font-size: {size:.1f}px; "
        "text-align: center; margin: 0; padding: 0; line-height: 1;}"
    )
    body = f"<p>{html.escape(' '.join(title.split()) or 'Untitled')}</p>"
    # Power-of-two sides keep mipmapping simple on every GPU.
    short = SPINE_LONG_SIDE_PX * width_pt / length_pt
    short_px = 1 << max(_MIN_SHORT_SIDE_PX.bit_length() - 1, math.ceil(math.log2(short)))
    matrix = pymupdf.Matrix(SPINE_LONG_SIDE_PX / length_pt, short_px / width_pt)
    doc = pymupdf.open()
    try:
        # Lay out once, find where the ink landed, and lay out again centred on the spine.
        first = _draw(doc, length_pt, width_pt, box, body, css).get_pixmap(
            matrix=matrix, colorspace=pymupdf.csRGB, alpha=False
        )
        rows = np.frombuffer(first.samples_mv, np.uint8).reshape(first.height, first.stride)
        pixels = rows[:, : first.width * 3].reshape(first.height, first.width, 3)
        inked = np.flatnonzero((pixels != pixels[0, 0]).any(axis=(1, 2)))
        shift = 0.0
        if inked.size:
            ink_mid = (inked[0] + inked[-1] + 1) / 2 / matrix.d
            shift = width_pt / 2 - ink_mid
        page = _draw(
            doc,
            length_pt,
            width_pt,
            pymupdf.Rect(box.x0, box.y0 + shift, box.x1, box.y1 + shift),
            body,
            css,
        )
        pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csRGB, alpha=False)
        return encode_jpeg(pix, quality=90).data
    finally:
        doc.close()


def _draw(
    doc: pymupdf.Document, length_pt: float, width_pt: float, box: pymupdf.Rect, body: str, css: str
) -> pymupdf.Page:
    page = doc.new_page(width=length_pt, height=width_pt)
    bleed = pymupdf.Rect(-2, -2, length_pt + 2, width_pt + 2)  # no blended edge rows
    page.draw_rect(bleed, color=None, fill=CLOTH_RGB)
    page.insert_htmlbox(box, body, css=css)
    return page


def paper_texture(size: int = 16) -> bytes:
    """A blank page: stands in on page faces until a client streams the page image in."""
    import simplejpeg

    pixels = np.empty((size, size, 3), np.uint8)
    pixels[...] = PAPER_RGB
    return bytes(simplejpeg.encode_jpeg(pixels, quality=90, colorspace="RGB"))
