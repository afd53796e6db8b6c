"""The server's own `send` for websockets, kept in the scope for the live-session hot path.

A Yjs update fans out to every peer of a room: hundreds of sends per update. Through
Starlette each send passes its websocket state checks and every middleware's send wrapper
(request log, exception handling), none of which looks at data frames. This outermost
middleware records the server's `send` under `RAW_SEND`, so the session channel can hand
data frames straight to the server; accept and close still go the normal way (the request
log sees them).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

RAW_SEND = "readingroom.raw_send"


class RawWebSocketSend:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)
