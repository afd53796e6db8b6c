"""The viewer's live links (session layers, poses) keep their websocket up the same way:
one connection attempt at a time, however it ended, as a close code and reason; retried
with jittered backoff until the server refuses for good."""

from __future__ import annotations

import asyncio
import random
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


async def keep_connected(
    session: Callable[[], Awaitable[tuple[int, str]]],
    *,
    on_status: Callable[[str, str], None],
    fatal: Callable[[int], bool],
    on_ended: Callable[[Ended], None] | None = None,
) -> None:
    """Run `session` again and again: 0.25 s doubling to 5 s between attempts (jittered,
    back to 0.25 s after a session that ran), until a handshake is refused or a close code
    is `fatal`. `on_status` hears ("retrying"|"stopped", detail); `on_ended` every end."""
    delay = 0.25
    while True:
        try:
            ended = await attempt(session)
        except RefusedError as exc:
            on_status("stopped", str(exc))
            return
        if ended.clean:
            delay = 0.25
        if on_ended is not None:
            on_ended(ended)
        if fatal(ended.code):
            on_status("stopped", f"closed {ended.code}: {ended.reason}")
            return
        on_status("retrying", f"{ended.code or ''} {ended.reason}".strip())
        await asyncio.sleep(delay * (0.75 + random.random() / 2))
        delay = min(delay * 2, 5.0)
