"""A stand-in for the parts of the server the viewer reads that have not landed on main
yet (rooms and books): the same routes and JSON shapes, serving GLBs and page images built
by the tests. It checks the token like the real server (401 in the error shape).

Page n is a solid colour from `PAGE_COLORS`, so a screenshot tells which page is shown."""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from tests.clients.xr_glb import book_glb, room_glb

TOKEN = "standin-token"
ROOM = "test-room"
BOOKS = ["book-a", "book-b", None, "book-c"]
TITLES = ["Alpha", "Beta", "Gamma (print only)", "Delta"]
PAGES = 7
PAGE_COLORS = [
    (220, 40, 40),
    (40, 160, 60),
    (40, 70, 220),
    (230, 200, 40),
    (200, 60, 200),
    (40, 200, 210),
    (240, 130, 30),
]


def page_color(number: int) -> tuple[int, int, int]:
    return PAGE_COLORS[(number - 1) % len(PAGE_COLORS)]


def page_jpeg(number: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (296, 420), page_color(number)).save(out, "JPEG", quality=92)
    return out.getvalue()


@dataclass
class StandIn:
    room_glb: bytes = field(default_factory=lambda: room_glb(BOOKS, TITLES))
    book_glb: bytes = field(default_factory=book_glb)
    broken_rooms: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def routes(self, path: str, query: str) -> tuple[int, str, bytes]:
        self.requests.append(path)
        if path == "/api/v1/me":
            return _json({"user": "reader-1", "name": "Reader One", "role": "reader"})
        if path == "/api/v1/rooms":
            return _json([{"id": ROOM, "title": "Test reading room"}])
        if m := re.fullmatch(r"/api/v1/rooms/([^/]+)/manifest", path):
            room = m.group(1)
            if room != ROOM and room not in self.broken_rooms:
                return _error(404, "room_not_found", f"no room {room!r}")
            return _json(
                {
                    "format": "readingroom.room-manifest/1",
                    "room": {"id": room, "title": "Test reading room"},
                    "profile": {"name": "desktop", "page_image_size": "medium"},
                    "spawn_points": [],
                    "scene": {"url": f"/api/v1/rooms/{room}/scene.glb?profile=desktop"},
                }
            )
        if m := re.fullmatch(r"/api/v1/rooms/([^/]+)/scene.glb", path):
            room = m.group(1)
            body = self.broken_rooms.get(room, self.room_glb)
            return 200, "model/gltf-binary", body
        if m := re.fullmatch(r"/api/v1/books/([^/]+)", path):
            book = m.group(1)
            if book not in BOOKS:
                return _error(404, "book_not_found", f"no book {book!r}")
            pages = [
                {
                    "number": n,
                    "width_mm": 148,
                    "height_mm": 210,
                    "images": {
                        s: f"/api/v1/books/{book}/pages/{n}.jpg?size={s}"
                        for s in ("thumb", "medium", "full")
                    },
                }
                for n in range(1, PAGES + 1)
            ]
            return _json(
                {
                    "id": book,
                    "title": TITLES[BOOKS.index(book)],
                    "page_count": PAGES,
                    "status": "ready",
                    "model": f"/api/v1/books/{book}/model.glb",
                    "pages": pages,
                }
            )
        if re.fullmatch(r"/api/v1/books/[^/]+/model.glb", path):
            return 200, "model/gltf-binary", self.book_glb
        if m := re.fullmatch(r"/api/v1/books/[^/]+/pages/(\d+)\.jpg", path):
            return 200, "image/jpeg", page_jpeg(int(m.group(1)))
        return _error(404, "not_found", "no such resource")


def _json(value: Any, status: int = 200) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(value).encode()


def _error(status: int, code: str, message: str) -> tuple[int, str, bytes]:
    return _json({"error": {"code": code, "message": message, "detail": None}}, status)


class StandInServer:
    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self.standin

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    status, kind, body = _error(
                        401, "unauthenticated", "invalid token: signature mismatch"
                    )
                else:
                    status, kind, body = standin.routes(parts.path, parts.query)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
