"""One structured log line per request (with a request id, no personal data) and the
Prometheus metrics behind /metrics."""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from experience_server.errors import error_response

log = logging.getLogger("readingroom.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "WS"})


class Metrics:
    """The app's own registry, so two apps in one process never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "readingroom_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "readingroom_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
        )
        self.websockets = Gauge(
            "readingroom_websockets_open",
            "Websocket connections open",
            registry=self.registry,
        )


def _route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/books/{book_id}`), never the raw path: raw
    paths and query strings can carry tokens and what someone is reading."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestLogMiddleware:
    """Pure ASGI middleware: request id in and out, one JSON log line, metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope["request_id"] = request_id
        started = time.perf_counter()
        status = 0
        started_response = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"referrer-policy", b"no-referrer"))
                message["headers"] = headers
            elif message["type"] == "websocket.accept":
                status = 101
                self.metrics.websockets.inc()
            elif message["type"] == "websocket.close" and status == 0:
                status = 403
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if scope["type"] == "http" and not started_response:
                # Answer here, inside the request id's reach; the server still logs the error.
                response = error_response(500, "internal_error", "something went wrong on our side")
                await _send_quietly(response, scope, receive, send_wrapper)
            status = 500
            log.exception("unhandled error request_id=%s", request_id)
            raise
        finally:
            elapsed = time.perf_counter() - started
            if scope["type"] == "websocket" and status == 101:
                self.metrics.websockets.dec()
            method = scope.get("method", "WS")
            method = method if method in _METHODS else "OTHER"
            route = _route_template(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            record: dict[str, Any] = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "ms": round(elapsed * 1000, 2),
            }
            log.info(json.dumps(record, separators=(",", ":")))


async def _send_quietly(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    try:
        await response(scope, receive, send)
    except OSError:
        return


def configure_logging(level: str) -> None:
    """Plain message lines (the access log is already JSON) at the configured level."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("readingroom").setLevel(level.upper())


_QUERY = re.compile(r"\?[^\s\"']*")


class RedactQueryStrings(logging.Filter):
    """uvicorn logs every websocket handshake with its path and query string
    (`"WebSocket /ws/rooms/r/shared?token=..." [accepted]`); the token there is a bearer
    credential naming its user, so query strings are cut before a handler writes the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub("?<redacted>", message), ()
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with query strings redacted on every handler."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query"] = {"()": RedactQueryStrings}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_query")
    return config
