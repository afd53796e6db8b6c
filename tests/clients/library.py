"""A small library for the browser tests: a PDF made here with PyMuPDF (a title page and
chapters of numbered lines), ingested through the real API, plus a room when the server
serves rooms. Parts the server does not serve yet skip (or fail under CI=true)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymarc
import pymupdf
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from tests.support.live_server import LiveServer
from tests.support.tools import missing

PAGES = 12
TITLE = "Marginalia of the Reading Room"
#: A word on page 3 only, for search tests.
NEEDLE = "palimpsest"


def make_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    for index in range(PAGES):
        page = doc.new_page(width=420, height=595)
        if index == 0:
            page.insert_text((50, 200), TITLE, fontsize=20)
            page.insert_text((50, 240), "A test book for readingroom", fontsize=12)
        else:
            page.insert_text((50, 70), f"Chapter {index}", fontsize=22)
            y = 110.0
            for line in range(24):
                words = f"Line {line} of page {index + 1} the quick brown fox jumps over"
                if index == 2 and line == 5:
                    words += f" a {NEEDLE}"
                page.insert_text((50, y), words, fontsize=10)
                y += 18
        page.insert_text((205, 575), str(index + 1), fontsize=9)
    doc.set_metadata({"title": TITLE, "author": "Ada Quill"})
    doc.save(path)
    doc.close()
    return path


#: A room id no server knows: the client shows its stand-in room, shelving every book.
STAND_IN_ROOM = "web-test"


@dataclass
class Library:
    server: LiveServer
    book: str
    #: A room the server composes (scene GLB) when it serves rooms, else the stand-in's id.
    room: str
    room_served: bool
    #: The book's catalog record when the server has a catalog, else None.
    record: str | None = None
    #: Whether the server speaks y-websocket at /ws/rooms/{room}/{layer}.
    sessions_served: bool = False
    stand_in: str = STAND_IN_ROOM
    tokens: dict[str, str] = field(default_factory=dict)

    def require_sessions(self) -> None:
        """Skip (fail under CI=true) a test that needs live sessions on a server without."""
        if not self.sessions_served:
            missing("this server has no live sessions yet (/ws/rooms/{room}/{layer})")

    def token(self, user: str, role: str) -> str:
        key = f"{user}:{role}"
        if key not in self.tokens:
            self.tokens[key] = self.server.token(user, role)
        return self.tokens[key]


def build_library(server: LiveServer, workdir: Path) -> Library:
    librarian = server.token("librarian", "librarian")
    headers = {"Authorization": f"Bearer {librarian}"}
    pdf = make_pdf(workdir / "marginalia.pdf")
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        response = http.post(
            "/api/v1/books", files={"file": ("marginalia.pdf", pdf.read_bytes(), "application/pdf")}
        )
        if response.status_code in (404, 405):
            missing("this server does not ingest books yet (POST /api/v1/books)")
        response.raise_for_status()
        book = str(response.json()["id"])
        _wait_ready(http, book)
        room, served = _room(http)
        record = _catalog_record(http, book)
    sessions = _sessions_served(server, librarian)
    return Library(
        server=server,
        book=book,
        room=room,
        room_served=served,
        record=record,
        sessions_served=sessions,
    )


def _wait_ready(http: httpx.Client, book: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        manifest: dict[str, Any] = http.get(f"/api/v1/books/{book}").json()
        if manifest.get("status", "ready") == "ready":
            return
        if manifest.get("status") == "failed":
            raise AssertionError(f"the test book failed to render: {manifest.get('error')}")
        time.sleep(0.2)
    raise TimeoutError("the test book did not finish rendering")


def _sessions_served(server: LiveServer, token: str) -> bool:
    try:
        with connect(f"{server.ws_url}/ws/rooms/probe/shared?token={token}", open_timeout=10):
            return True
    except InvalidStatus:
        return False
    except (OSError, WebSocketException):
        return False


RECORD_ID = "rr-marginalia"
CALL_NUMBER = "Z1003 .M37 2026"


def _catalog_record(http: httpx.Client, book: str) -> str | None:
    """A MARC21 record for the book with one print copy, imported and linked to the e-book,
    when the server has a catalog."""
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=RECORD_ID))
    record.add_field(
        pymarc.Field(
            tag="100",
            indicators=pymarc.Indicators("1", " "),
            subfields=[pymarc.Subfield("a", "Quill, Ada.")],
        ),
        pymarc.Field(
            tag="245",
            indicators=pymarc.Indicators("1", "0"),
            subfields=[pymarc.Subfield("a", TITLE)],
        ),
        pymarc.Field(
            tag="852",
            indicators=pymarc.Indicators(" ", " "),
            subfields=[
                pymarc.Subfield("b", "Main library"),
                pymarc.Subfield("c", "Floor 2"),
                pymarc.Subfield("h", CALL_NUMBER),
                pymarc.Subfield("p", "30000012345678"),
            ],
        ),
    )
    imported = http.post(
        "/api/v1/catalog/import",
        files={"file": ("marginalia.mrc", record.as_marc(), "application/marc")},
    )
    if imported.status_code in (404, 405):
        return None
    imported.raise_for_status()
    linked = http.put(f"/api/v1/catalog/records/{RECORD_ID}/book", json={"book_id": book})
    linked.raise_for_status()
    return RECORD_ID


def _room(http: httpx.Client) -> tuple[str, bool]:
    """A room built from the classroom template when rooms are served; otherwise a room id
    the server does not know, which the client shows as a stand-in room."""
    templates = http.get("/api/v1/room-templates")
    if templates.status_code != 200:
        return STAND_IN_ROOM, False
    chosen = next((t for t in templates.json() if t.get("name") == "classroom"), None)
    if chosen is None:
        return STAND_IN_ROOM, False
    template = dict(chosen["template"])
    template["id"] = "web-classroom"
    created = http.post("/api/v1/rooms", json=template)
    if created.status_code not in (200, 201, 409):
        raise AssertionError(f"creating the test room failed: {created.text}")
    return "web-classroom", True
