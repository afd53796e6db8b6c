"""The one thing the sync core knows about a transport: a `Channel` of binary messages.

The FastAPI websocket adapter lives in experience_server; tests use an in-memory channel.
Close codes follow RFC 6455 and the y-websocket 3 client's convention: 4400-4499 tell it
that reconnecting cannot help (it stops), everything else makes it reconnect and resync.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol


class ChannelClosed(Exception):
    """The other side went away; `recv` raises it, `send` may."""


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001  # the server is shutting down: reconnect
    UNSUPPORTED_DATA = 1003  # a text frame: the protocol is binary
    INVALID_DATA = 1007  # a malformed y-websocket message
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013  # the peer read too slowly: reconnect and resync
    BAD_REQUEST = 4400  # not a room id or not a layer
    UNAUTHENTICATED = 4401  # no token, or one that does not verify
    FORBIDDEN = 4403  # the room is restricted and the member is not on its list
    DOCUMENT_FULL = 4413  # the layer's document reached its size limit
    RATE_LIMITED = 4529  # too many updates per second: back off, then resync


class Channel(Protocol):
    """A bidirectional channel of binary messages for one peer."""

    @property
    def path(self) -> str:
        """What the peer asked for (for diagnostics; may be empty)."""
        ...

    async def send(self, message: bytes) -> None:
        """Deliver one message; may wait while the transport is congested."""
        ...

    async def recv(self) -> bytes | str:
        """The next message (a `str` for a text frame); raises `ChannelClosed`."""
        ...

    async def close(self, code: int, reason: str) -> None:
        """Close with a code and a short reason (at most 123 bytes of UTF-8)."""
        ...
