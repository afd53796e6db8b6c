"""One connected client: its identity, its rate limits and a bounded outbound queue drained
by one writer task.

Fan-out hands the same `bytes` object to every peer (encoded once, no task per message).
An idle peer's send starts at once, inline (`sync.eager`); only a send that has to wait,
and whatever arrives meanwhile, goes through the queue and the writer task. A peer whose
queue grows past its bound is read too slowly: it is closed with 1013 (try again later);
the y-websocket client reconnects and resyncs with sync step 1/2, so nothing is lost and
the room never waits for its slowest reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from sync import eager
from sync.awareness import AwarenessEntry
from sync.channel import Channel, ChannelClosed, CloseCode
from sync.limits import Limits, TokenBucket
from sync.members import Member

log = logging.getLogger("readingroom.sync")


class Peer:
    __slots__ = (
        "_aborting",
        "_channel",
        "_close",
        "_idle",
        "_in_send",
        "_limits",
        "_queue",
        "_queued_bytes",
        "_suspended",
        "_wakeup",
        "_writer",
        "awaiting_state",
        "awareness_last",
        "awareness_pending",
        "awareness_timer",
        "bucket",
        "closing",
        "denied_at",
        "joined_at",
        "member",
        "on_close",
        "send_since",
        "sent",
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
        self._idle = False
        self._suspended: eager.Suspended | None = None
        self._aborting = False
        self._close: tuple[int, str] | None = None
        self.closing = False
        self.bucket = TokenBucket(limits.updates_per_second, limits.update_burst, now)
        self.denied_at = float("-inf")
        self.joined_at = now  # loop time (monotonic)
        self.awareness_last = float("-inf")
        self.awareness_pending: dict[int, AwarenessEntry] = {}
        self.awareness_timer: asyncio.TimerHandle | None = None
        # Called once, at once, when the peer closes: it leaves its document right away,
        # even if its socket takes a while to close.
        self.on_close: Callable[[], None] | None = None
        self.sent = 0  # messages handed to `send`: the keepalive sweep tells idle peers by it
        # Since when the send in flight has waited (None: none waits). A client that stopped
        # reading (a frozen tab) leaves its sends waiting for good: the service drops it.
        self.send_since: float | None = None
        # Sync step 1 requests sent and not answered yet: each lets one sync step 2 be as
        # large as a document (the client's offline work), not just a message.
        self.awaiting_state = 0

    def start(self) -> asyncio.Task[None]:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        return self._writer

    def send(self, message: bytes) -> None:
        """Send or queue a message; never waits. Overflow closes the peer instead of growing."""
        if self.closing:
            return
        self.sent += 1
        if self._idle:
            self._send_now(message)
            return
        self._queue.append(message)
        self._queued_bytes += len(message)
        if (
            self._queued_bytes > self._limits.peer_queue_bytes
            or len(self._queue) > self._limits.peer_queue_messages
        ):
            self.close(CloseCode.TRY_AGAIN_LATER, "reading too slowly: reconnect to resync")
            return
        self._wake()

    def _send_now(self, message: bytes) -> None:
        """The writer is idle and nothing is queued: start the send here."""
        try:
            suspended = eager.start(self._channel.send(message))
        except ChannelClosed:
            self.gone()
            return
        except Exception:
            log.exception("sending to a peer failed")
            self.close(CloseCode.INTERNAL_ERROR, "internal error")
            return
        if suspended is not None:
            self._suspended = suspended
            self.send_since = asyncio.get_running_loop().time()
            self._idle = False
            self._wake()

    def _wake(self) -> None:
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
        self._idle = False
        if self._suspended is not None:
            self._suspended.close()
            self._suspended = None
        if self.awareness_timer is not None:
            self.awareness_timer.cancel()
            self.awareness_timer = None
        if self._in_send and self._writer is not None:
            self._aborting = True
            self._writer.cancel()
        self._wake()
        if self.on_close is not None:
            on_close, self.on_close = self.on_close, None
            on_close()

    def stalled(self, now: float, limit: float) -> bool:
        """A send has waited `limit` seconds or more: the client has stopped reading."""
        return self.send_since is not None and now - self.send_since >= limit

    def gone(self) -> None:
        """The channel is already closed by the other side: just stop the writer."""
        self.close(0, "")

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        try:
            while not self.closing:
                suspended = self._suspended
                if suspended is not None:
                    self._suspended = None
                    self._in_send = True
                    try:
                        await suspended
                    finally:
                        self._in_send = False
                    self.send_since = None
                    continue
                if not queue:
                    self._idle = True
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    self._idle = False
                    continue
                message = queue.popleft()
                self._queued_bytes -= len(message)
                self._in_send = True
                self.send_since = loop.time()
                try:
                    await self._channel.send(message)
                finally:
                    self._in_send = False
                self.send_since = None
        except asyncio.CancelledError:
            if not self._aborting:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except ChannelClosed:
            # Through close(), like every other way out: the peer leaves its document now.
            self.gone()
            return
        except Exception:
            log.exception("sending to a peer failed")
            self.close(CloseCode.INTERNAL_ERROR, "internal error")
        await self._close_channel()

    async def _close_channel(self) -> None:
        if self._close is None or self._close[0] == 0:
            return
        code, reason = self._close
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._limits.close_grace_seconds):
                await self._channel.close(code, reason)
