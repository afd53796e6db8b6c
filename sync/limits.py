"""Limits of a live session, sized for real use: a pen on a blackboard sends about 60
updates/s and a benchmark writer 100/s, so the default rate leaves room for both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_bytes: int = 1024 * 1024
    updates_per_second: float = 200.0
    update_burst: int = 400
    max_document_bytes: int = 16 * 1024 * 1024
    peer_queue_bytes: int = 4 * 1024 * 1024
    peer_queue_messages: int = 4096
    awareness_hz: float = 15.0
    awareness_state_bytes: int = 8 * 1024
    awareness_clients_per_peer: int = 8
    flush_interval: float = 0.05
    compact_after_updates: int = 1000
    idle_unload_seconds: float = 30.0
    denial_interval: float = 1.0
    # y-websocket clients reconnect after 30 s without a message; a peer sent nothing for
    # this long (a lone writer) gets an empty awareness message, so it never does.
    keepalive_seconds: float = 10.0
    # A peer whose send has waited this long has stopped reading (the websocket ping
    # interval plus its timeout, by default): it leaves its room even if its socket lingers.
    stalled_send_seconds: float = 40.0
    # How long closing a peer's socket may take, and then its reporting the close, before
    # the connection stops waiting for it (a client that stopped reading never answers).
    close_grace_seconds: float = 5.0


class TokenBucket:
    """`rate` events per second on average, up to `burst` at once."""

    __slots__ = ("_burst", "_last", "_rate", "_tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._last = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if tokens < cost:
            self._tokens = tokens
            return False
        self._tokens = tokens - cost
        return True
