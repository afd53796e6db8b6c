"""Page images as textures: fetched and decoded in worker threads (decoding a 2048 px JPEG
takes longer than a 90 Hz frame), kept in a small cache, handed to the frame loop ready to
draw. A page that fails to load stays blank paper; the reader is told once."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from panda3d.core import SamplerState, Texture

from clients.xr.api import ServerApi
from clients.xr.errors import ServerUnreachableError, ViewerError
from clients.xr.manifests import BookManifest, PageSize

log = logging.getLogger("readingroom.xr")

Key = tuple[str, int]
RETRY_DELAYS = (0.2, 0.6)


def decode_page(data: bytes) -> np.ndarray:
    """RGB rows, bottom row first (Panda's texture order)."""
    try:
        import simplejpeg

        rgb = simplejpeg.decode_jpeg(data, colorspace="RGB")
    except Exception:  # not a JPEG simplejpeg reads (a PNG, a CMYK JPEG): let Pillow try
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[::-1])


def page_texture(rgb: np.ndarray, name: str) -> Texture:
    height, width = rgb.shape[:2]
    texture = Texture(name)
    texture.setup2dTexture(width, height, Texture.T_unsigned_byte, Texture.F_rgb8)
    texture.setRamImageAs(rgb.tobytes(), "RGB")
    texture.setMinfilter(SamplerState.FT_linear_mipmap_linear)
    texture.setMagfilter(SamplerState.FT_linear)
    texture.setAnisotropicDegree(4)
    texture.setWrapU(SamplerState.WM_clamp)
    texture.setWrapV(SamplerState.WM_clamp)
    return texture


class PageTextures:
    def __init__(
        self, api: ServerApi, size: PageSize, *, workers: int = 2, capacity: int = 24
    ) -> None:
        self._api = api
        self.size = size
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="xr-pages")
        self._capacity = capacity
        self._lock = threading.Lock()
        self._ready: OrderedDict[Key, Texture] = OrderedDict()
        self._pending: dict[Key, Future[None]] = {}
        self._failed: set[Key] = set()

    def request(self, book: BookManifest, number: int) -> None:
        key = (book.id, number)
        url = book.image_url(number, self.size)
        with self._lock:
            if url is None or key in self._ready or key in self._pending or key in self._failed:
                return
            self._pending[key] = self._pool.submit(self._load, key, url)

    def _fetch(self, url: str, what: str) -> bytes:
        """A page image, trying again after a dropped connection (a busy server, a Wi-Fi
        blip); a refusal (404, 401) is final."""
        for delay in RETRY_DELAYS:
            try:
                return self._api.page_image(url, what)
            except ServerUnreachableError:
                time.sleep(delay)
        return self._api.page_image(url, what)

    def _load(self, key: Key, url: str) -> None:
        what = f"page {key[1]} of book {key[0]!r}"
        try:
            texture = page_texture(decode_page(self._fetch(url, what)), f"page:{key}")
        except ViewerError as exc:
            log.warning("%s", exc)
            texture = None
        except Exception as exc:
            log.warning("%s could not be decoded (%s)", what, type(exc).__name__)
            texture = None
        with self._lock:
            self._pending.pop(key, None)
            if texture is None:
                self._failed.add(key)
                return
            self._ready[key] = texture
            while len(self._ready) > self._capacity:
                self._ready.popitem(last=False)

    def get(self, book_id: str, number: int) -> Texture | None:
        with self._lock:
            texture = self._ready.get((book_id, number))
            if texture is not None:
                self._ready.move_to_end((book_id, number))
            return texture

    def settled(self, book_id: str, number: int) -> bool:
        """Loaded or failed: nothing more will come for this page."""
        with self._lock:
            key = (book_id, number)
            return key in self._ready or key in self._failed

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
