"""One connected client: its identity, its rate limits and a bounded outbound queue drained
by one writer task.

Fan-out appends the same `bytes` object to every peer's queue (encoded once, no task per
message). A peer whose queue grows past its bound is read too slowly: it is closed with
1013 (try again later); the y-websocket client reconnects and resyncs with sync step 1/2,
so nothing is lost and the room never waits for its slowest reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from sync.awareness import AwarenessEntry
from sync.channel import Channel, ChannelClosed, CloseCode
from sync.limits import Limits, TokenBucket
from sync.members import Member

log = logging.getLogger("readingroom.sync")

_CLOSE_TIMEOUT = 5.0


class Peer:
    __slots__ = (
        "_aborting",
        "_channel",
        "_close",
        "_in_send",
        "_limits",
        "_queue",
        "_queued_bytes",
        "_wakeup",
        "_writer",
        "awareness_last",
        "awareness_pending",
        "awareness_timer",
        "bucket",
        "closing",
        "denied_at",
        "member",
    )

    def __init__(self, channel: Channel, member: Member, limits: Limits, now: float) -> None:
        self._channel = channel
        self.member = member
        self._limits = limits
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._wakeup: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._in_send = False
        self._aborting = False
        self._close: tuple[int, str] | None = None
        self.closing = False
        self.bucket = TokenBucket(limits.updates_per_second, limits.update_burst, now)
        self.denied_at = float("-inf")
        self.awareness_last = float("-inf")
        self.awareness_pending: dict[int, AwarenessEntry] = {}
        self.awareness_timer: asyncio.TimerHandle | None = None

    def start(self) -> asyncio.Task[None]:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        return self._writer

    def send(self, message: bytes) -> None:
        """Queue a message; never waits. Overflow closes the peer instead of growing."""
        if self.closing:
            return
        self._queue.append(message)
        self._queued_bytes += len(message)
        if (
            self._queued_bytes > self._limits.peer_queue_bytes
            or len(self._queue) > self._limits.peer_queue_messages
        ):
            self.close(CloseCode.TRY_AGAIN_LATER, "reading too slowly: reconnect to resync")
            return
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            if not wakeup.done():
                wakeup.set_result(None)

    def close(self, code: int, reason: str) -> None:
        """Stop sending, drop what is queued, and close the channel with `code`."""
        if self.closing:
            return
        self.closing = True
        self._close = (code, reason)
        self._queue.clear()
        self._queued_bytes = 0
        if self.awareness_timer is not None:
            self.awareness_timer.cancel()
            self.awareness_timer = None
        if self._in_send and self._writer is not None:
            self._aborting = True
            self._writer.cancel()
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    def gone(self) -> None:
        """The channel is already closed by the other side: just stop the writer."""
        self.close(0, "")

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        try:
            while not self.closing:
                if not queue:
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    continue
                message = queue.popleft()
                self._queued_bytes -= len(message)
                self._in_send = True
                try:
                    await self._channel.send(message)
                finally:
                    self._in_send = False
        except asyncio.CancelledError:
            if not self._aborting:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except ChannelClosed:
            self.closing = True
            return
        except Exception:
            log.exception("sending to a peer failed")
            self.closing = True
            self._close = (CloseCode.INTERNAL_ERROR, "internal error")
        await self._close_channel()

    async def _close_channel(self) -> None:
        if self._close is None or self._close[0] == 0:
            return
        code, reason = self._close
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await self._channel.close(code, reason)
