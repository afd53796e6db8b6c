"""Frames per second a client may send, as a token bucket: the configured rate on average,
with bursts of up to one second's worth (frames bunch up after a network stall)."""

from __future__ import annotations


class RateLimit:
    def __init__(self, rate_hz: float, now: float) -> None:
        self._rate = rate_hz
        self._tokens = rate_hz
        self._at = now

    def take(self, now: float) -> bool:
        """Spend one frame's token at time `now`; False when the client is over the rate."""
        tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True
