"""Our side of the y-websocket protocol, on pycrdt and the `websockets` library: one
document per connection, sync step 1/2 on (re)connect, updates both ways, awareness, and
the auth message by which a server says a layer is read-only. It speaks to readingroom's
`/ws/rooms/{room}/{layer}` and to the Node reference server alike.

Runs on an asyncio loop; the document belongs to that loop's thread. Remote updates are
applied with a flag set so they are not echoed back. The connection comes back by itself
with sync step 1/2 after a drop; 4400-4499 closes and HTTP 4xx refusals stop it for good
(reconnecting cannot help), as the y-websocket 3 client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycrdt import (
    Awareness,
    Decoder,
    Doc,
    TransactionEvent,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from clients.xr.attempt import keep_connected

log = logging.getLogger("readingroom.xr")

AUTH = 2
QUERY_AWARENESS = 3
MAX_MESSAGE = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LinkStatus:
    state: str  # "connecting", "synced", "retrying", "stopped"
    detail: str = ""


class YLayerClient:
    def __init__(
        self,
        url: str,
        doc: Doc[Any],
        *,
        awareness: Awareness | None = None,
        on_change: Callable[[], None] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        open_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.doc = doc
        self.awareness = awareness
        self._on_change = on_change or (lambda: None)
        self._on_status = on_status or (lambda status: None)
        self._open_timeout = open_timeout
        self._applying = False
        self._socket: ClientConnection | None = None
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.synced = asyncio.Event()
        self.read_only: str | None = None
        self.status = LinkStatus("connecting")
        doc.observe(self._local_update)
        if awareness is not None:
            awareness.observe(self._awareness_changed)

    def _set_status(self, state: str, detail: str = "") -> None:
        self.status = LinkStatus(state, detail)
        self._on_status(self.status)

    def _local_update(self, event: TransactionEvent) -> None:
        if self._applying:
            self._on_change()
            return
        self._outbox.put_nowait(create_update_message(event.update))
        self._on_change()

    def _awareness_changed(self, topic: str, changes: tuple[dict[str, Any], Any]) -> None:
        if topic != "update" or changes[1] != "local" or self.awareness is None:
            return
        payload = self.awareness.encode_awareness_update([self.awareness.client_id])
        self._outbox.put_nowait(create_awareness_message(payload))

    async def run(self) -> None:
        """Connect, sync, and stay in sync until cancelled or refused for good."""
        await keep_connected(
            self._session,
            on_status=self._set_status,
            fatal=lambda code: 4400 <= code < 4500,
            on_ended=lambda _: self.synced.clear(),
        )

    async def _session(self) -> tuple[int, str]:
        """One connection; returns the close code and reason when the server ends it."""
        async with connect(
            self.url,
            open_timeout=self._open_timeout,
            close_timeout=2,
            max_size=MAX_MESSAGE,
            ping_interval=20,
            ping_timeout=20,
        ) as socket:
            self._socket = socket
            # Updates queued while offline are covered by sync step 2; drop them.
            while not self._outbox.empty():
                self._outbox.get_nowait()
            await socket.send(create_sync_message(self.doc))
            if self.awareness is not None and self.awareness.get_local_state() is not None:
                ids = [self.awareness.client_id]
                await socket.send(
                    create_awareness_message(self.awareness.encode_awareness_update(ids))
                )
            sender = asyncio.create_task(self._send_loop(socket))
            try:
                async for message in socket:
                    if isinstance(message, bytes):
                        await self._handle(socket, message)
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await sender
                self._socket = None
            return socket.close_code or 1005, socket.close_reason or ""

    async def _send_loop(self, socket: ClientConnection) -> None:
        while True:
            message = await self._outbox.get()
            await socket.send(message)

    async def _handle(self, socket: ClientConnection, message: bytes) -> None:
        if not message:
            return
        kind = message[0]
        if kind == YMessageType.SYNC and len(message) > 1:
            step = message[1]
            self._applying = True
            try:
                reply = handle_sync_message(message[1:], self.doc)
            except Exception as exc:  # a malformed update: keep our document, say so
                log.warning("ignored a malformed update from %s (%s)", self.url, type(exc).__name__)
                return
            finally:
                self._applying = False
            if reply is not None:
                await socket.send(reply)
            if step == YSyncMessageType.SYNC_STEP2 and not self.synced.is_set():
                self.synced.set()
                self._set_status("synced")
        elif kind == YMessageType.AWARENESS and self.awareness is not None:
            with contextlib.suppress(Exception):
                self.awareness.apply_awareness_update(read_message(message[1:]), "remote")
                self._on_change()
        elif kind == AUTH:
            decoder = Decoder(message[1:])
            with contextlib.suppress(Exception):
                decoder.read_var_uint()
                self.read_only = decoder.read_var_string() or "permission denied"
                self._on_change()
        elif kind == QUERY_AWARENESS and self.awareness is not None:
            ids = [self.awareness.client_id]
            await socket.send(create_awareness_message(self.awareness.encode_awareness_update(ids)))

    async def leave(self) -> None:
        """Say goodbye (awareness null) and close, without waiting long."""
        socket = self._socket
        if socket is None:
            return
        with contextlib.suppress(Exception):
            if self.awareness is not None:
                self.awareness.set_local_state(None)
                payload = self.awareness.encode_awareness_update([self.awareness.client_id])
                await asyncio.wait_for(socket.send(create_awareness_message(payload)), 1.0)
            await asyncio.wait_for(socket.close(), 2.0)
