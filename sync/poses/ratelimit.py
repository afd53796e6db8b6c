"""Frames per second a client may send, as a token bucket: the configured rate on average,
with bursts of up to `BURST_SECONDS` worth. Frames bunch up after a network stall, and the
bucket fills by the server's clock, so a server that was starved of CPU for a moment reads
an honest client's backlog all at once; two seconds' worth absorbs both."""

from __future__ import annotations

BURST_SECONDS = 2.0


class RateLimit:
    def __init__(self, rate_hz: float, now: float) -> None:
        self._rate = rate_hz
        self._capacity = rate_hz * BURST_SECONDS
        self._tokens = self._capacity
        self._at = now

    def take(self, now: float) -> bool:
        """Spend one frame's token at time `now`; False when the client is over the rate."""
        tokens = min(self._capacity, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True
