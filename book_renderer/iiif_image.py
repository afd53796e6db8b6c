"""IIIF Image API 3.0 for book pages: level 1 (regions by pixels and square, sizes by w, h
and w,h) plus `pct:` sizes and regions, `!w,h`, quarter turns, mirroring, gray and PNG.

A page's image is its `full` rendering (2048 px on the long side); requests are answered
from the smallest stored rendering that holds enough pixels, so `full/pct:12.5/...` never
needs the 2048 px image and a request for a listed size is the stored file itself.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from PIL import Image

from book_renderer.errors import BookError
from book_renderer.sizes import JPEG_QUALITY

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"
PROFILE = "level1"
TILE = 512
SCALE_FACTORS = (1, 2, 4, 8)
EXTRA_FEATURES = ("regionByPct", "sizeByPct", "sizeByConfinedWh", "rotationBy90s", "mirroring")
EXTRA_QUALITIES = ("color", "gray")
EXTRA_FORMATS = ("png",)
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class IiifBadRequestError(BookError):
    """The request is not valid Image API syntax, or asks for pixels outside the image."""

    code = "iiif_bad_request"


class IiifNotImplementedError(BookError):
    """A valid Image API request for a feature this service does not offer."""

    code = "iiif_not_implemented"


class Quality(StrEnum):
    default = "default"
    color = "color"
    gray = "gray"


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """A parsed request, in the coordinates of the declared full image."""

    region: tuple[int, int, int, int]  # x, y, w, h
    size: tuple[int, int]
    rotation: int
    mirror: bool
    quality: Quality
    format: str

    @property
    def canonical(self) -> str:
        x, y, w, h = self.region
        rotation = ("!" if self.mirror else "") + str(self.rotation)
        return (
            f"{x},{y},{w},{h}/{self.size[0]},{self.size[1]}/{rotation}/{self.quality}.{self.format}"
        )


def info(service_id: str, width: int, height: int, sizes: list[tuple[int, int]]) -> dict[str, Any]:
    """The info.json document of one page's image service."""
    return {
        "@context": CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": PROTOCOL,
        "profile": PROFILE,
        "width": width,
        "height": height,
        "sizes": [{"width": w, "height": h} for w, h in sorted(set(sizes))],
        "tiles": [{"width": TILE, "height": TILE, "scaleFactors": list(SCALE_FACTORS)}],
        "extraFeatures": list(EXTRA_FEATURES),
        "extraQualities": list(EXTRA_QUALITIES),
        "extraFormats": list(EXTRA_FORMATS),
        "preferredFormats": ["jpg"],
    }


_INT = r"\d+"
_NUM = r"\d+(?:\.\d+)?|\.\d+"
_REGION_PX = re.compile(rf"({_INT}),({_INT}),({_INT}),({_INT})")
_REGION_PCT = re.compile(rf"pct:({_NUM}),({_NUM}),({_NUM}),({_NUM})")
_SIZE_W = re.compile(rf"({_INT}),")
_SIZE_H = re.compile(rf",({_INT})")
_SIZE_WH = re.compile(rf"(!?)({_INT}),({_INT})")
_SIZE_PCT = re.compile(rf"pct:({_NUM})")
_ROTATION = re.compile(rf"(!?)({_NUM})")


def parse(
    region: str, size: str, rotation: str, quality_format: str, width: int, height: int
) -> ImageRequest:
    reg = _region(region, width, height)
    out = _size(size, reg[2], reg[3])
    turn, mirror = _rotation(rotation)
    quality, _, fmt = quality_format.rpartition(".")
    if not quality or not fmt:
        raise IiifBadRequestError("quality and format must read like default.jpg")
    if quality not in ("default", "color", "gray", "bitonal"):
        raise IiifBadRequestError(f"unknown quality {quality!r}")
    if quality == "bitonal":
        raise IiifNotImplementedError(
            "the bitonal quality is not offered; use default, color or gray"
        )
    if fmt not in MEDIA_TYPES:
        if fmt in ("tif", "gif", "pdf", "jp2", "webp"):
            raise IiifNotImplementedError(f"the {fmt} format is not offered; use jpg or png")
        raise IiifBadRequestError(f"unknown format {fmt!r}")
    return ImageRequest(reg, out, turn, mirror, Quality(quality), fmt)


def _region(value: str, width: int, height: int) -> tuple[int, int, int, int]:
    if value == "full":
        return 0, 0, width, height
    if value == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if match := _REGION_PX.fullmatch(value):
        x, y, w, h = (int(g) for g in match.groups())
    elif match := _REGION_PCT.fullmatch(value):
        px, py, pw, ph = (float(g) for g in match.groups())
        x, y = round(px * width / 100), round(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
    else:
        raise IiifBadRequestError(f"region {value!r} is not full, square, x,y,w,h or pct:x,y,w,h")
    if w <= 0 or h <= 0:
        raise IiifBadRequestError("the region must have a width and a height above zero")
    if x >= width or y >= height:
        raise IiifBadRequestError("the region lies entirely outside the image")
    return x, y, min(w, width - x), min(h, height - y)


def _size(value: str, rw: int, rh: int) -> tuple[int, int]:
    if value.startswith("^"):
        raise IiifNotImplementedError("upscaling (^) is not offered")
    if value == "max":
        return rw, rh
    if match := _SIZE_W.fullmatch(value):
        w = int(match.group(1))
        out = (w, max(1, round(rh * w / rw)))
    elif match := _SIZE_H.fullmatch(value):
        h = int(match.group(1))
        out = (max(1, round(rw * h / rh)), h)
    elif match := _SIZE_PCT.fullmatch(value):
        pct = float(match.group(1))
        if not 0 < pct <= 100:
            raise IiifBadRequestError("pct: sizes run above 0 up to 100 (no upscaling)")
        out = (max(1, round(rw * pct / 100)), max(1, round(rh * pct / 100)))
    elif match := _SIZE_WH.fullmatch(value):
        confined, w, h = match.group(1) == "!", int(match.group(2)), int(match.group(3))
        if confined:
            scale = min(w / rw, h / rh)
            out = (max(1, min(w, round(rw * scale))), max(1, min(h, round(rh * scale))))
        else:
            out = (w, h)
    else:
        raise IiifBadRequestError(f"size {value!r} is not max, w,, ,h, pct:n, w,h or !w,h")
    if out[0] <= 0 or out[1] <= 0:
        raise IiifBadRequestError("the size must be above zero")
    if out[0] > rw or out[1] > rh:
        raise IiifBadRequestError(
            "the size is larger than the region; upscaling (^) is not offered"
        )
    return out


def _rotation(value: str) -> tuple[int, bool]:
    match = _ROTATION.fullmatch(value)
    if match is None:
        raise IiifBadRequestError(f"rotation {value!r} is not a number of degrees")
    degrees = float(match.group(2))
    if not 0 <= degrees <= 360:
        raise IiifBadRequestError("rotation runs from 0 to 360 degrees")
    if degrees % 90:
        raise IiifNotImplementedError("only rotations by multiples of 90 degrees are offered")
    return int(degrees) % 360, match.group(1) == "!"


@dataclass(frozen=True, slots=True)
class Source:
    """A stored rendering of the page: its file and its pixel size."""

    path: Path
    digest: str
    width: int
    height: int


def pick_source(request: ImageRequest, full_width: int, sources: list[Source]) -> Source:
    """The smallest rendering whose pixels cover the request without upscaling."""
    needed = request.size[0] / request.region[2]
    for source in sorted(sources, key=lambda s: s.width):
        if source.width / full_width >= needed * 0.999:
            return source
    return max(sources, key=lambda s: s.width)


def passthrough(request: ImageRequest, full: tuple[int, int], source: Source) -> bool:
    """The stored file is the answer: whole page, its exact size, no turn, as JPEG."""
    return (
        request.region == (0, 0, *full)
        and request.size == (source.width, source.height)
        and request.rotation == 0
        and not request.mirror
        and request.quality is not Quality.gray
        and request.format == "jpg"
    )


class DecodedCache:
    """A few decoded page images, for the tile requests a deep-zoom viewer fires in bursts."""

    def __init__(self, capacity: int = 4) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: Source) -> Image.Image:
        with self._lock:
            if (image := self._items.get(source.digest)) is not None:
                self._items.move_to_end(source.digest)
                return image
        with Image.open(source.path) as opened:
            image = opened.convert("RGB")
        with self._lock:
            self._items[source.digest] = image
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return image


def render(
    request: ImageRequest, full: tuple[int, int], source: Source, cache: DecodedCache
) -> bytes:
    """Crop, scale, turn and encode, from `source` (any of the page's renderings)."""
    image = cache.get(source)
    sx, sy = source.width / full[0], source.height / full[1]
    x, y, w, h = request.region
    box = (x * sx, y * sy, (x + w) * sx, (y + h) * sy)
    out = image.resize(request.size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if request.mirror:
        out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if request.rotation:
        out = out.rotate(-request.rotation, expand=True)
    if request.quality is Quality.gray:
        out = out.convert("L")
    buffer = io.BytesIO()
    if request.format == "png":
        out.save(buffer, "PNG", compress_level=3)
    else:
        out.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def tile_count(width: int, height: int) -> int:
    """How many tiles a viewer fetches to show the page at full resolution."""
    return math.ceil(width / TILE) * math.ceil(height / TILE)
