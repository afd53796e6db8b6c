"""Turning an `assets.delivery.Delivery` into a Starlette response: the decided status and
headers, and exactly the decided bytes, read off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Response
from fastapi.responses import StreamingResponse

from assets.delivery import Delivery

_WHOLE_READ = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


def _read(path: Path, start: int, length: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(length)


async def file_response(delivery: Delivery, path: Path) -> Response:
    if delivery.length == 0:
        return Response(status_code=delivery.status, headers=delivery.headers)
    if delivery.length <= _WHOLE_READ:
        data = await asyncio.to_thread(_read, path, delivery.start, delivery.length)
        return Response(data, status_code=delivery.status, headers=delivery.headers)

    async def chunks() -> AsyncIterator[bytes]:
        position, remaining = delivery.start, delivery.length
        while remaining > 0:
            data = await asyncio.to_thread(_read, path, position, min(_CHUNK, remaining))
            if not data:
                return
            position += len(data)
            remaining -= len(data)
            yield data

    return StreamingResponse(chunks(), status_code=delivery.status, headers=delivery.headers)


def bytes_response(delivery: Delivery, data: bytes) -> Response:
    """For content made per request (an IIIF crop): the same rules over bytes in memory."""
    body = data[delivery.start : delivery.end + 1] if delivery.length else b""
    return Response(body, status_code=delivery.status, headers=delivery.headers)


def keep_private(response: Response) -> Response:
    """Licensed (not `open`) content may be cached by the reader's own browser, never by a
    shared cache: `public` becomes `private`."""
    cache = response.headers.get("cache-control")
    if cache and "public" in cache:
        response.headers["Cache-Control"] = cache.replace("public", "private")
    elif not cache:
        response.headers["Cache-Control"] = "private, no-cache"
    return response
