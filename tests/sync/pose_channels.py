"""An in-memory pose channel: a client at the other end of a queue."""

from __future__ import annotations

import asyncio

from sync.poses import ChannelClosedError
from sync.poses.codec import MessageType, decode_snapshot, message_type
from sync.poses.control import decode_roster, decode_welcome


class MemoryChannel:
    """A client at the other end of a queue; `flowing` cleared makes it stop reading."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[bytes | str | None] = asyncio.Queue()
        self.received: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.closed_event = asyncio.Event()
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def receive(self) -> bytes | str | None:
        return await self.incoming.get()

    async def send(self, data: bytes) -> None:
        await self.flowing.wait()
        if self.closed is not None:
            raise ChannelClosedError
        self.received.append(data)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)
        self.closed_event.set()

    def of_type(self, kind: MessageType) -> list[bytes]:
        return [data for data in self.received if message_type(data) == kind]

    def slot(self) -> int:
        return decode_welcome(self.received[0]).slot

    def slots_seen(self) -> set[int]:
        return {
            int(slot)
            for data in self.of_type(MessageType.snapshot)
            for slot in decode_snapshot(data).slots
        }

    def roster(self) -> dict[int, str]:
        """slot -> user, as the latest ROSTER says."""
        rosters = self.of_type(MessageType.roster)
        return self.roster_of(rosters[-1]) if rosters else {}

    @staticmethod
    def roster_of(data: bytes) -> dict[int, str]:
        return {e.slot: e.user for e in decode_roster(data).users}
