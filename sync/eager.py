"""Start a coroutine right away, in the caller, and hand it to a task only if it suspends.

A websocket send almost never waits (the transport takes the bytes at once), so fan-out
runs each peer's send inline: one message to 200 peers costs no task switches. A send that
does wait (a congested peer) is finished by that peer's writer task. Python 3.12 offers
this as eager tasks; this is the same protocol by hand for 3.11.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


class Suspended:
    """A coroutine that already ran to its first suspension; awaiting it finishes it."""

    __slots__ = ("_coro", "_first")

    def __init__(self, coro: Coroutine[Any, Any, None], first: Any) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, None]:
        pending = self._first
        while True:
            try:
                value = yield pending
            except BaseException as exc:  # cancellation, thrown in by the awaiting task
                try:
                    pending = self._coro.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                pending = self._coro.send(value)
            except StopIteration:
                return

    def close(self) -> None:
        """Abandon it (the peer is gone): run its cleanups now."""
        self._coro.close()


def start(coro: Coroutine[Any, Any, None]) -> Suspended | None:
    """Run `coro` until it finishes (None) or suspends (the rest, to be awaited).
    Exceptions it raises before suspending propagate to the caller."""
    try:
        first = coro.send(None)
    except StopIteration:
        return None
    return Suspended(coro, first)
