"""What the pose channel needs from a transport; web adapters implement it (the FastAPI
one lives in experience_server.routers.poses), tests use an in-memory one."""

from __future__ import annotations

from typing import Protocol


class ChannelClosedError(Exception):
    """The peer is gone; nothing more can be sent or received."""


class PoseChannel(Protocol):
    async def receive(self) -> bytes | str | None:
        """The next message, or None once the peer has disconnected."""

    async def send(self, data: bytes) -> None:
        """Send one binary message; raises ChannelClosedError if the peer is gone."""

    async def close(self, code: int, reason: str) -> None:
        """Close with a code and a reason the peer can read; never raises."""
