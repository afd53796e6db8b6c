"""A connection's bounded send side: control messages (welcome, roster) in order and never
dropped, plus at most one waiting snapshot. A client that has not taken the last snapshot
when the next tick comes is skipped for that tick instead of queueing without end."""

from __future__ import annotations

import asyncio
from collections import deque

from sync.poses.channel import PoseChannel


class Outbox:
    def __init__(self) -> None:
        self._control: deque[bytes] = deque()
        self._snapshot: bytes | None = None
        self._wake = asyncio.Event()

    def push_control(self, data: bytes) -> None:
        self._control.append(data)
        self._wake.set()

    def offer_snapshot(self, data: bytes) -> bool:
        """Take `data` unless a snapshot still waits; False means this tick was skipped."""
        if self._snapshot is not None:
            return False
        self._snapshot = data
        self._wake.set()
        return True

    def ready(self) -> bool:
        """Whether a snapshot offered now would be taken (lets a tick skip building it)."""
        return self._snapshot is None

    def drop_snapshot(self) -> bool:
        """Forget a waiting snapshot (its slots went stale); True if there was one."""
        dropped = self._snapshot is not None
        self._snapshot = None
        return dropped

    def drain(self) -> list[bytes]:
        """Take what `run` would send next, in order, without a channel."""
        taken = list(self._control)
        self._control.clear()
        if self._snapshot is not None:
            taken.append(self._snapshot)
            self._snapshot = None
        return taken

    async def run(self, channel: PoseChannel) -> None:
        """The connection's one writer task: sends until cancelled or the peer is gone."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._control:
                await channel.send(self._control.popleft())
            if self._snapshot is not None:
                data, self._snapshot = self._snapshot, None
                await channel.send(data)
