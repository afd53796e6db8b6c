"""How an asset goes out over HTTP, decided without any web framework: the ETag is the
content hash, content-addressed URLs are cacheable forever, `If-None-Match` answers 304,
and a single byte range answers 206 (or 416 when it cannot be satisfied).

The server turns a `Delivery` into its own response type; this module only decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What to send: a status, headers, and which bytes of the asset (`start`..`end`
    inclusive; no body when `end < start`)."""

    status: int
    headers: dict[str, str]
    start: int
    end: int

    @property
    def length(self) -> int:
        return max(0, self.end - self.start + 1)


def etag_for(digest: str) -> str:
    return f'"{digest}"'


def _matches(header: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One satisfiable `bytes=` range as (first, last), or None when the header is not a
    single byte range (the whole asset is sent then, as RFC 9110 allows). Raises
    ValueError when the range is well formed but cannot be satisfied."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise ValueError("empty suffix range")
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise ValueError("range starts past the end")
    return start, min(end, size - 1)


def plan(
    *,
    digest: str,
    size: int,
    media_type: str,
    method: str = "GET",
    if_none_match: str | None = None,
    range_header: str | None = None,
    if_range: str | None = None,
    immutable: bool = True,
    etag: str | None = None,
) -> Delivery:
    """Decide the response for one asset request. `etag` overrides the digest-derived tag
    for derived content (an IIIF crop) whose bytes are not stored under a hash."""
    tag = etag or etag_for(digest)
    headers = {
        "ETag": tag,
        "Cache-Control": IMMUTABLE if immutable else REVALIDATE,
        "Accept-Ranges": "bytes",
    }
    if if_none_match is not None and _matches(if_none_match, tag):
        return Delivery(304, headers, 0, -1)
    headers["Content-Type"] = media_type
    use_range = (
        range_header is not None
        and method in ("GET", "HEAD")
        and (if_range is None or if_range.strip() == tag)
    )
    if use_range and range_header is not None:
        try:
            found = parse_range(range_header, size)
        except ValueError:
            headers["Content-Range"] = f"bytes */{size}"
            headers.pop("Content-Type")
            return Delivery(416, headers, 0, -1)
        if found is not None:
            start, end = found
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            headers["Content-Length"] = str(end - start + 1)
            return Delivery(206, headers, start, end if method == "GET" else start - 1)
    headers["Content-Length"] = str(size)
    return Delivery(200, headers, 0, size - 1 if method == "GET" else -1)
