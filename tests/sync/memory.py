"""An in-memory `Channel` and a small y-websocket client on pycrdt, for driving the sync core
without a network. The integration tests use the official npm clients instead."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from sync.awareness import AwarenessEntry, encode_awareness, parse_awareness
from sync.channel import ChannelClosed
from sync.protocol import (
    AUTH_PERMISSION_DENIED,
    MessageType,
    SyncStep,
    awareness_message,
    read_var_bytes,
    read_var_string,
    read_var_uint,
    sync_step1,
    sync_step2,
    update_message,
)

_CLOSED = object()


class MemoryChannel:
    """The server's end; the test holds the other end through `push`, `sent` and `closed`."""

    def __init__(self) -> None:
        self._inbox: asyncio.Queue[object] = asyncio.Queue()
        self.sent: asyncio.Queue[bytes] = asyncio.Queue()
        self.closed: tuple[int, str] | None = None
        self.gone = False

    @property
    def path(self) -> str:
        return "/memory"

    async def send(self, message: bytes) -> None:
        if self.closed is not None or self.gone:
            raise ChannelClosed
        self.sent.put_nowait(message)

    async def recv(self) -> bytes | str:
        item = await self._inbox.get()
        if item is _CLOSED:
            raise ChannelClosed
        assert isinstance(item, bytes | str)
        return item

    async def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason)
        self._inbox.put_nowait(_CLOSED)

    # The client's side

    def push(self, frame: bytes | str) -> None:
        self._inbox.put_nowait(frame)

    def disconnect(self) -> None:
        self.gone = True
        self._inbox.put_nowait(_CLOSED)


class YClient:
    """A y-websocket client on a pycrdt document: answers sync step 1, applies step 2 and
    updates, sends its own updates, and records denials and awareness it receives."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.channel = MemoryChannel()
        self.denials: list[str] = []
        self.awareness: dict[int, str] = {}
        self.received: list[bytes] = []
        self.synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._sub = self.doc.observe(self._on_update)
        self._applying = False

    def _on_update(self, event: Any) -> None:
        if not self._applying:
            self.channel.push(update_message(event.update))

    def connect(self, serve: Any) -> None:
        """Start `serve(channel)` (the server side) and this client's reader."""
        self._task = asyncio.get_running_loop().create_task(serve(self.channel))
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self.channel.push(sync_step1(self.doc.get_state()))

    async def _read(self) -> None:
        while True:
            frame = await self.channel.sent.get()
            self.received.append(frame)
            kind, pos = read_var_uint(frame, 0)
            if kind == MessageType.SYNC:
                step, pos = read_var_uint(frame, pos)
                payload, _ = read_var_bytes(frame, pos)
                if step == SyncStep.STEP1:
                    self.channel.push(sync_step2(self.doc.get_update(payload)))
                else:
                    self._applying = True
                    try:
                        self.doc.apply_update(payload)
                    finally:
                        self._applying = False
                    if step == SyncStep.STEP2:
                        self.synced.set()
            elif kind == MessageType.AWARENESS:
                payload, _ = read_var_bytes(frame, pos)
                for entry in parse_awareness(payload, max_entries=100, max_state_bytes=10**6):
                    self.awareness[entry.client] = entry.state
            elif kind == MessageType.AUTH:
                sub, pos = read_var_uint(frame, pos)
                if sub == AUTH_PERMISSION_DENIED:
                    self.denials.append(read_var_string(frame, pos)[0])

    def edit_offline(self, change: Callable[[Doc[Any]], None]) -> None:
        """A change made while disconnected: y-websocket sends nothing then; the server
        gets it in the sync step 2 answering its sync step 1."""
        self._applying = True
        try:
            change(self.doc)
        finally:
            self._applying = False

    def set(self, key: str, value: Any, root: str = "annotations") -> None:
        self.doc.get(root, type=Map)[key] = value

    def get(self, root: str = "annotations") -> dict[str, Any]:
        return dict(self.doc.get(root, type=Map).to_py() or {})

    def send_awareness(self, client: int, clock: int, state: str) -> None:
        self.channel.push(
            awareness_message(encode_awareness([AwarenessEntry(client, clock, state)]))
        )

    async def closed(self, within: float = 30.0) -> tuple[int, str] | None:
        assert self._task is not None
        await asyncio.wait_for(asyncio.shield(self._task), within)
        return self.channel.closed

    async def stop(self) -> None:
        self.channel.disconnect()
        for task in (self._task, self._reader):
            if task is None:
                continue
            if task is self._reader:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 5)
