"""One websocket connection attempt of the viewer's live links (session layers, poses):
however it ended, as a close code and reason, so each link decides whether to retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus


class RefusedError(Exception):
    """The server refused the handshake with a 4xx: retrying cannot help."""


@dataclass(frozen=True, slots=True)
class Ended:
    code: int
    reason: str
    clean: bool
    """The session ran and returned (the retry delay starts over)."""


async def attempt(session: Callable[[], Awaitable[tuple[int, str]]]) -> Ended:
    try:
        code, reason = await session()
        return Ended(code, reason, clean=True)
    except InvalidStatus as exc:
        status = exc.response.status_code
        if 400 <= status < 500:
            raise RefusedError(f"refused with HTTP {status}") from None
        return Ended(0, f"HTTP {status}", clean=False)
    except ConnectionClosed as exc:
        if exc.rcvd is None:
            return Ended(1006, "", clean=False)
        return Ended(exc.rcvd.code, exc.rcvd.reason, clean=False)
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        return Ended(0, type(exc).__name__, clean=False)
