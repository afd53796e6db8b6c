"""`/ws/rooms/{room}/poses`: adapts a websocket to the pose hub's channel (docs/protocols.md).

The socket is accepted before the token is checked so that a refused client reads the
close code and reason; a browser only sees a failed handshake otherwise.
"""

from __future__ import annotations

import contextlib
import re

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from experience_server.auth.errors import AuthenticationError
from experience_server.dependencies import ServicesDep, bearer_token
from sync.poses import ChannelClosedError, CloseCode, PoseMember

router = APIRouter(tags=["sync"])

ROOM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class WebSocketPoseChannel:
    """A Starlette websocket as a `sync.poses.PoseChannel`."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def receive(self) -> bytes | str | None:
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data: bytes | None = message.get("bytes")
        if data is not None:
            return data
        text: str = message.get("text") or ""
        return text

    async def send(self, data: bytes) -> None:
        try:
            await self._websocket.send_bytes(data)
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:
            raise ChannelClosedError from exc

    async def close(self, code: int, reason: str) -> None:
        # A close frame's reason is at most 123 bytes of UTF-8.
        reason = reason.encode()[:123].decode(errors="ignore")
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self._websocket.close(code, reason)


@router.websocket("/ws/rooms/{room}/poses")
async def poses(websocket: WebSocket, room: str, services: ServicesDep) -> None:
    """Head and hand poses in, one snapshot of everyone else per tick out."""
    await websocket.accept()
    channel = WebSocketPoseChannel(websocket)
    if not ROOM_ID.match(room):
        await channel.close(CloseCode.bad_frame, "room id must be 1-64 of A-Z a-z 0-9 . _ -")
        return
    try:
        token = bearer_token(websocket)
        if token is None:
            raise AuthenticationError("sign in required: pass ?token=")
        principal = await services.verifier.verify(token)
    except AuthenticationError as exc:
        await channel.close(CloseCode.unauthenticated, str(exc))
        return
    member = PoseMember(user=principal.user, name=principal.name, role=principal.role.name)
    await services.poses.serve(room, member, channel)
