"""Receiving one uploaded file from a multipart body as it streams in: written to the asset
store's staging directory while it is hashed and counted, cut off (and removed) the moment
it passes the size limit, never spooled twice. What arrives here is untrusted: the file
name is returned as sent and judged by the caller."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from python_multipart.multipart import MultipartParser, parse_options_header

from book_renderer.errors import EmptyUploadError, UploadTooLargeError
from experience_server.errors import ApiError

FIELD = "file"
# Multipart framing and other small fields on top of the file itself.
_OVERHEAD = 64 * 1024
_FILENAME_STAR = re.compile(r"""filename\*\s*=\s*([\w!#$%&+^`{}~-]+)'[^']*'([^;\s]+)""", re.I)
_FILENAME = re.compile(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;\s"]+)', re.I)


@dataclass(frozen=True, slots=True)
class ReceivedUpload:
    path: Path
    filename: str
    sha256: str
    size: int


def filename_from_disposition(value: bytes) -> str | None:
    """The file name as the client sent it (RFC 6266 `filename*` first), path and all."""
    text = value.decode("utf-8", "replace")
    if match := _FILENAME_STAR.search(text):
        charset = match.group(1).lower()
        return unquote(match.group(2), encoding="utf-8" if charset == "utf-8" else "latin-1")
    if match := _FILENAME.search(text):
        quoted, bare = match.groups()
        return quoted.replace('\\"', '"') if quoted is not None else bare
    return None


@dataclass
class _Receiver:
    staging: Path
    max_bytes: int
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[bytes, bytes] = field(default_factory=dict)
    writing: BinaryIO | None = None
    path: Path | None = None
    filename: str | None = None
    done: bool = False
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)
    size: int = 0

    def on_part_begin(self) -> None:
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = self.headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        if options.get(b"name") != FIELD.encode() or self.path is not None:
            return
        self.filename = filename_from_disposition(disposition) or ""
        self.path = self.staging / f"upload-{uuid.uuid4().hex}"
        self.writing = self.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.writing is None:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise UploadTooLargeError(
                f"the file is larger than the limit of {self.max_bytes:,} bytes"
            )
        self.hasher.update(chunk)
        self.writing.write(chunk)

    def on_part_end(self) -> None:
        if self.writing is not None:
            self.writing.close()
            self.writing = None
            self.done = True

    def discard(self) -> None:
        if self.writing is not None:
            self.writing.close()
            self.writing = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_upload(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    staging: Path,
    max_bytes: int,
) -> ReceivedUpload:
    media, options = parse_options_header((content_type or "").encode("latin-1", "replace"))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send multipart/form-data with the document in a field named {FIELD!r}",
        )
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + _OVERHEAD:
        raise UploadTooLargeError(f"the file is larger than the limit of {max_bytes:,} bytes")
    await asyncio.to_thread(staging.mkdir, parents=True, exist_ok=True)
    receiver = _Receiver(staging, max_bytes)
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": receiver.on_part_begin,
            "on_header_field": receiver.on_header_field,
            "on_header_value": receiver.on_header_value,
            "on_header_end": receiver.on_header_end,
            "on_headers_finished": receiver.on_headers_finished,
            "on_part_data": receiver.on_part_data,
            "on_part_end": receiver.on_part_end,
        },
    )
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > max_bytes + _OVERHEAD:
                raise UploadTooLargeError(
                    f"the file is larger than the limit of {max_bytes:,} bytes"
                )
            parser.write(chunk)
        parser.finalize()
        if receiver.path is None or not receiver.done:
            raise ApiError(
                422,
                "invalid_request",
                f"the upload needs a multipart field named {FIELD!r} holding a file",
            )
        if receiver.size == 0:
            raise EmptyUploadError("the file is empty (0 bytes)")
    except BaseException as exc:
        receiver.discard()
        if isinstance(exc, (ApiError, UploadTooLargeError, EmptyUploadError)):
            raise
        if isinstance(exc, Exception) and type(exc).__module__.startswith("python_multipart"):
            raise ApiError(400, "bad_request", "the multipart body is malformed") from None
        raise
    return ReceivedUpload(
        receiver.path, receiver.filename or "", receiver.hasher.hexdigest(), receiver.size
    )
