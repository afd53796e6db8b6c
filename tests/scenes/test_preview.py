"""Previews rendered by Panda3D off screen in a worker process, from the same GLB the
clients get: rooms and books come out as real pictures; no GL means a clear reason."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from scenes.book_model import closed_book_glb
from scenes.compose import RoomBuild
from scenes.errors import PreviewUnavailableError
from scenes.placement import BookPlacement
from scenes.preview.camera import Camera, book_camera, room_camera
from scenes.preview.renderer import PreviewRenderer
from tests.scenes.support import image_spread
from tests.support.tools import missing

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_room_preview_is_a_picture(
    preview_renderer: PreviewRenderer, built_rooms: dict[str, RoomBuild]
) -> None:
    for name in ("european-literature", "classroom"):
        build = built_rooms[name]
        png = preview_renderer.render(build.profiles["touch"].scene, room_camera(build.template))
        assert png.startswith(PNG)
        spread, commonest = image_spread(png)
        assert spread > 15, name
        assert commonest < 0.5, name


@pytest.mark.slow
def test_book_preview_of_a_closed_book(preview_renderer: PreviewRenderer) -> None:
    books = [
        BookPlacement(
            "r1",
            None,
            "Die Leiden des jungen Werthers",
            ("Goethe",),
            "PT1970 .A1",
            page_count=220,
            page_width_mm=125,
            page_height_mm=195,
        ),
        BookPlacement(
            "r2",
            None,
            "浮士德",
            ("歌德",),
            "PT2026 .F2 C5",
            page_count=480,
            page_width_mm=150,
            page_height_mm=230,
        ),
    ]
    pngs = [preview_renderer.render(closed_book_glb(b), book_camera()) for b in books]
    for png in pngs:
        spread, commonest = image_spread(png)
        assert spread > 15
        assert commonest < 0.8  # the light grey background around the book
    assert pngs[0] != pngs[1]


@pytest.mark.slow
def test_worker_comes_back_after_it_dies(tmp_path: Path, built_rooms: dict[str, RoomBuild]) -> None:
    renderer = PreviewRenderer(tmp_path)
    try:
        if not renderer.start().ok:
            missing(f"no offscreen OpenGL here: {renderer.status.detail}")
        pid = renderer.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        build = built_rooms["quiet-carrels"]
        png = renderer.render(build.profiles["touch"].scene, room_camera(build.template))
        assert png.startswith(PNG)
        assert renderer.status.ok
    finally:
        renderer.close()
    assert list(tmp_path.iterdir()) == []  # no GLB or PNG left behind


def test_without_gl_previews_fail_cleanly_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No EGL vendor library: what a server without any OpenGL driver looks like.
    monkeypatch.setenv("__EGL_VENDOR_LIBRARY_FILENAMES", str(tmp_path / "none.json"))
    renderer = PreviewRenderer(tmp_path, timeout=60)
    try:
        status = renderer.start()
        assert not status.ok
        assert status.state == "unavailable"
        assert "OpenGL" in status.detail
        with pytest.raises(PreviewUnavailableError, match="OpenGL"):
            renderer.render(b"glTF", room_camera_stub())
    finally:
        renderer.close()


def test_switched_off_previews_say_so(tmp_path: Path) -> None:
    renderer = PreviewRenderer(tmp_path, enabled=False)
    assert renderer.start().state == "off"
    with pytest.raises(PreviewUnavailableError, match="switched off"):
        renderer.render(b"glTF", room_camera_stub())


def room_camera_stub() -> Camera:
    return book_camera()
