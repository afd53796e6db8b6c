"""The viewer against readingroom's own rooms, books and live sessions, as they land on
this branch: each test runs as soon as the server has the part it needs (its router is in
the code base) and fails if the viewer and the part do not work together; until then it is
skipped with the reason. The stand-in tests cover the viewer meanwhile."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.clients.test_xr_cli import view
from tests.clients.test_xr_ysync import converge_with_js_peer
from tests.support.live_server import LiveServer
from tests.support.node import Node

PAGE_RGB = (30, 150, 90)


@pytest.mark.node
async def test_converges_with_the_official_client_on_readingroom(
    node: Node, live_server: LiveServer
) -> None:
    token = live_server.token("viewer-1", "reader")
    base = f"{live_server.ws_url}/ws/rooms/xr-room"
    await converge_with_js_peer(node, base, "shared", f"{base}/shared?token={token}", token)


def one_page_pdf() -> bytes:
    import pymupdf

    document = pymupdf.open()
    page = document.new_page(width=420, height=595)
    page.draw_rect(page.rect, color=None, fill=tuple(c / 255 for c in PAGE_RGB))
    page.insert_text((60, 120), "readingroom", fontsize=28)
    data: bytes = document.tobytes()
    document.close()
    return data


def test_a_room_and_a_book_of_the_real_server(live_server: LiveServer, tmp_path: Path) -> None:
    librarian = {"Authorization": f"Bearer {live_server.token('lib-1', 'librarian')}"}
    with httpx.Client(base_url=live_server.url, headers=librarian, timeout=60) as http:
        template = http.get("/api/v1/room-templates").raise_for_status().json()[0]["template"]
        room = (
            http.post("/api/v1/rooms", json={**template, "id": "xr-test-room"})
            .raise_for_status()
            .json()
        )
        files = {"file": ("colour.pdf", one_page_pdf(), "application/pdf")}
        book = http.post("/api/v1/books", files=files).raise_for_status().json()
        deadline = time.monotonic() + 60
        while http.get(f"/api/v1/books/{book['id']}").json()["status"] != "ready":
            assert time.monotonic() < deadline, "the book did not render"
            time.sleep(0.5)
    shot = tmp_path / "shot.png"
    reader = live_server.token("reader-1", "reader")
    result = view(
        live_server.url,
        "--token",
        reader,
        "--room",
        room["id"],
        "--book",
        book["id"],
        "--offscreen",
        "--screenshot",
        str(shot),
        "--width",
        "640",
        "--height",
        "360",
    )
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert any(
        isinstance(c, tuple) and all(abs(a - b) <= 12 for a, b in zip(c, PAGE_RGB, strict=False))
        for _, c in colors
    ), "the book's page is not on screen"
