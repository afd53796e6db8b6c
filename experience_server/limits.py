"""Request body limits, enforced before anything parses the body: an anonymous client must
not make the server read or parse megabytes before it is told 401."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from experience_server.errors import error_response


class BodyLimitMiddleware:
    """413 in the error shape for bodies over the limit: uploads (multipart) get
    `upload_limit`, everything else `body_limit`. Counts streamed bytes too, so a missing or
    lying Content-Length does not get past it."""

    def __init__(self, app: ASGIApp, body_limit: int, upload_limit: int) -> None:
        self.app = app
        self.body_limit = body_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").lower()
        upload = content_type.startswith(b"multipart/")
        limit = self.upload_limit if upload else self.body_limit
        code = "upload_too_large" if upload else "payload_too_large"
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True
            if too_large:
                await self._refuse(scope, receive, send, limit, code)
                return
        received = 0
        response_started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now and tell the app the client is gone; whatever the app
                    # answers to that is dropped.
                    refused = True
                    if not response_started:
                        await self._refuse(scope, receive, send, limit, code)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, counting_receive, tracking_send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, code: str
    ) -> None:
        response = error_response(
            413,
            code,
            f"the request body is larger than {limit} bytes",
            {"limit": limit},
        )
        await response(scope, receive, send)
