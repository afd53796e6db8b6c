"""Refusals repeated by the same client wait a little longer each time before the close.

y-websocket before 3.0 reconnects after *any* close, and since the server accepts a socket
before refusing it (so the client can read the close code and reason), its backoff resets
on every open: a client with an expired token, or shut out of a restricted room, would
knock ten times a second for good. A refusal repeated within `window` seconds waits before
its close, twice as long each time up to `cap`. y-websocket 3 stops after a 44xx close, so
it is refused at once.
"""

from __future__ import annotations

from collections.abc import Hashable


class RefusalBackoff:
    def __init__(
        self, first: float = 0.5, cap: float = 10.0, window: float = 60.0, max_keys: int = 4096
    ) -> None:
        self._first = first
        self._cap = cap
        self._window = window
        self._max_keys = max_keys
        self._seen: dict[Hashable, tuple[int, float]] = {}

    def delay(self, key: Hashable, now: float) -> float:
        """Count a refusal of `key` (who asked for what) and say how long to wait first."""
        count, last = self._seen.pop(key, (0, float("-inf")))
        if now - last > self._window:
            count = 0
        self._seen[key] = (count + 1, now)
        while len(self._seen) > self._max_keys:
            del self._seen[next(iter(self._seen))]
        return 0.0 if count == 0 else min(self._cap, self._first * 2 ** (count - 1))
