"""Pixel-bomb checks: read the declared size of every raster before anything decodes it, so
a 40,000 x 40,000 image that compresses to a few hundred kilobytes is refused in
milliseconds instead of taking a worker's memory."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import IO

import pymupdf
from PIL import Image, UnidentifiedImageError

from book_renderer.errors import CorruptDocumentError, PixelLimitError
from book_renderer.limits import RenderLimits

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".jxr", ".webp")
_MAX_FRAMES = 10_000


def _refuse(where: str, width: int, height: int, limits: RenderLimits) -> PixelLimitError:
    return PixelLimitError(
        f"{where} is {width:,} x {height:,} pixels ({width * height:,}); the limit is "
        f"{limits.max_page_pixels:,} pixels"
    )


def _check_stream(handle: IO[bytes], where: str, limits: RenderLimits) -> None:
    """Header only: Pillow reads sizes without decoding pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(handle) as image:
                frames = min(int(getattr(image, "n_frames", 1)), _MAX_FRAMES)
                for frame in range(frames):
                    if frame:
                        image.seek(frame)
                    width, height = image.size
                    if width * height > limits.max_page_pixels:
                        raise _refuse(where, width, height, limits)
        except Image.DecompressionBombError:
            raise PixelLimitError(
                f"{where} declares more than {limits.max_page_pixels:,} pixels"
            ) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise CorruptDocumentError(f"{where} is damaged or not a readable image") from None


def check_image_file(path: Path, limits: RenderLimits) -> None:
    with path.open("rb") as handle:
        _check_stream(handle, "the image", limits)


def check_zip_images(path: Path, limits: RenderLimits) -> None:
    """Every image in a comic-book archive, by its header."""
    try:
        with zipfile.ZipFile(path) as archive:
            images = [
                info
                for info in archive.infolist()
                if info.filename.lower().endswith(_IMAGE_SUFFIXES)
            ]
            for number, info in enumerate(images, start=1):
                with archive.open(info) as handle:
                    _check_stream(handle, f"image {number} of the archive", limits)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise CorruptDocumentError(f"the archive is damaged or truncated ({exc})") from None


def check_page_images(page: pymupdf.Page, number: int, limits: RenderLimits) -> None:
    """PDF image XObjects on a page, by the Width and Height their dictionaries declare."""
    try:
        images = page.get_images(full=True)  # with images inside form XObjects
    except (RuntimeError, ValueError):
        return
    for image in images:
        width, height = int(image[2]), int(image[3])
        if width * height > limits.max_page_pixels:
            raise _refuse(f"an image on page {number}", width, height, limits)
