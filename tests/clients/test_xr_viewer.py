"""The viewer off screen (Panda3D on Mesa's llvmpipe) against the stand-in rooms and books:
the room renders, a click on a spine opens its book with its page images, pages turn, the
floor takes the reader where they click, others stand where the pose channel says, and a
browser's highlight and ink appear on the page. Pixels are read back from the frame."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from panda3d.core import PNMImage, Point3

from clients.xr.api import ServerApi
from clients.xr.desktop import Desktop, open_base
from clients.xr.frames import room_to_panda_points, room_to_panda_quats
from clients.xr.live import LiveRoom
from clients.xr.manifests import Me
from clients.xr.marks import HIGHLIGHT
from clients.xr.poses import Others
from clients.xr.scene import load_room
from clients.xr.viewer import Viewer
from tests.clients.xr_standin import BOOKS, ROOM, TOKEN, StandIn, StandInServer, page_color
from tests.support.net import free_port
from tests.support.node import Node

SIZE = (480, 270)


@dataclass
class App:
    base: object
    viewer: Viewer
    desktop: Desktop
    server: StandInServer


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    server = StandInServer(StandIn())
    server.start()
    api = ServerApi(server.url, TOKEN, timeout=10)
    room = load_room(api.room_scene(ROOM, "desktop"), ROOM)
    base = open_base(offscreen=True, size=SIZE, title="test")
    viewer = Viewer(base.render, base.camera, api, room, Me(user="u", role="reader"), "medium")
    desktop = Desktop(base, viewer, quit=lambda: None)
    desktop.step(2)
    yield App(base, viewer, desktop, server)
    viewer.close()
    base.destroy()
    api.close()
    server.stop()


def frame(app: App) -> np.ndarray:
    """The last rendered frame as (rows top-down, columns, RGB) in 0..255."""
    image = PNMImage()
    assert app.base.win.getScreenshot(image)  # type: ignore[attr-defined]
    w, h = image.getXSize(), image.getYSize()
    out = np.array([[image.getXel(x, y) for x in range(0, w, 4)] for y in range(0, h, 4)])
    return (out * 255).round()


def pixel(app: App, node: object, point: Point3) -> np.ndarray:
    """The colour at the screen position of `point` (in `node`'s coordinates)."""
    base = app.base
    camera = base.camera  # type: ignore[attr-defined]
    in_camera = camera.getRelativePoint(node, point)
    projected = Point3()
    assert base.camLens.project(in_camera, projected)  # type: ignore[attr-defined]
    w, h = SIZE
    x = int((projected.x + 1) / 2 * (w - 1))
    y = int((1 - projected.y) / 2 * (h - 1))
    image = PNMImage()
    assert base.win.getScreenshot(image)  # type: ignore[attr-defined]
    return np.array(image.getXel(x, y)) * 255


def step_until(app: App, done: Callable[[], bool], seconds: float = 15.0) -> None:
    """Run frames until `done` (animations run on the clock, not on the frame count)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.desktop.step()
        if done():
            app.desktop.step(2)
            return
        time.sleep(0.002)
    raise AssertionError("the viewer did not get there")


def screen_of(app: App, point: Point3) -> tuple[float, float]:
    camera = app.base.camera  # type: ignore[attr-defined]
    projected = Point3()
    app.base.camLens.project(camera.getRelativePoint(app.viewer.render, point), projected)  # type: ignore[attr-defined]
    return projected.x, projected.y


def test_the_room_renders(app: App) -> None:
    pixels = frame(app)
    colors = {tuple(p) for p in pixels.reshape(-1, 3)}
    assert len(colors) > 8, "a blank or flat frame"
    assert pixels.std() > 20


def test_a_click_on_a_spine_opens_its_book(app: App) -> None:
    box = app.viewer.room.slots.boxes[0]
    center = Point3(*((box[:3] + box[3:]) / 2))
    app.desktop.click(*screen_of(app, center))
    step_until(app, lambda: app.viewer.book is not None and app.viewer.book.pages_ready())
    book = app.viewer.book
    assert book is not None and book.manifest.id == BOOKS[0]
    assert book.visible_pages() == (None, 1)
    right = Point3(book.page_width / 2, 0, book.top)
    assert np.allclose(pixel(app, book.root, right), page_color(1), atol=12)


def test_pages_turn_forward_and_back(app: App) -> None:
    book = app.viewer.book
    assert book is not None
    assert app.viewer.turn(1)
    app.desktop.step(3)
    assert book.turning  # the leaf is in the air for a moment
    step_until(app, book.pages_ready)
    assert book.visible_pages() == (2, 3)
    left = Point3(-book.page_width / 2, 0, book.top)
    right = Point3(book.page_width / 2, 0, book.top)
    assert np.allclose(pixel(app, book.root, left), page_color(2), atol=12)
    assert np.allclose(pixel(app, book.root, right), page_color(3), atol=12)
    # A click on the left page turns back.
    app.desktop.click(*screen_of(app, app.viewer.render.getRelativePoint(book.root, left)))
    step_until(app, book.pages_ready)
    assert book.visible_pages() == (None, 1)


def test_turning_stops_at_the_last_page(app: App) -> None:
    book = app.viewer.book
    assert book is not None
    book.go_to(7)
    step_until(app, book.pages_ready)
    assert book.visible_pages() == (6, 7)
    assert not app.viewer.turn(1)


def test_a_print_only_book_says_so(app: App) -> None:
    app.viewer.close_book()
    app.desktop.step()
    slot = BOOKS.index(None)
    box = app.viewer.room.slots.boxes[slot]
    app.desktop.click(*screen_of(app, Point3(*((box[:3] + box[3:]) / 2))))
    assert "print only" in app.viewer.notice
    assert app.viewer.book is None


def test_a_click_on_the_floor_walks_there(app: App) -> None:
    viewer = app.viewer
    before = viewer.head.getPos(viewer.render)
    target = Point3(before.x + 0.5, before.y + 1.0, 0.0)
    app.desktop.click(*screen_of(app, target))
    after = viewer.head.getPos(viewer.render)
    assert abs(after.x - target.x) < 0.05 and abs(after.y - target.y) < 0.05


def test_others_appear_where_the_pose_channel_puts_them(app: App) -> None:
    # Room (1, 1.6, -2) is Panda (1, 2, 1.6); a guest of slot 7 turned 90 degrees left.
    others = Others(
        version=1,
        slots=np.array([3, 7]),
        names=("Ann", "Bo"),
        head_position=room_to_panda_points([[1.0, 1.6, -2.0], [2.0, 1.5, -3.0]]),
        head_rotation=room_to_panda_quats(np.array([[0, 0, 0, 1], [0, 0.7071068, 0, 0.7071068]])),
        hand_position=room_to_panda_points([[[0.8, 1.2, -1.8], [1.2, 1.2, -1.8]]] * 2),
        hand_rotation=room_to_panda_quats(np.tile([0.0, 0.0, 0.0, 1.0], (2, 2, 1))),
        hand_tracked=np.array([[True, False], [False, False]]),
    )
    avatars = app.viewer.avatars
    avatars.update(others, 1.0)  # a long frame: they arrive at once
    assert len(avatars) == 2
    root = app.viewer.render
    head = root.find("**/avatar:3/head")
    assert np.allclose(tuple(head.getPos(root)), (1.0, 2.0, 1.6), atol=1e-4)
    assert not root.find("**/avatar:3/hand:left").isHidden()
    assert root.find("**/avatar:3/hand:right").isHidden()
    assert abs(root.find("**/avatar:7/head").getH(root) - 90) < 0.1
    # Someone leaves: their avatar goes.
    avatars.update(
        Others(
            2,
            others.slots[:1],
            others.names[:1],
            others.head_position[:1],
            others.head_rotation[:1],
            others.hand_position[:1],
            others.hand_rotation[:1],
            others.hand_tracked[:1],
        ),
        0.016,
    )
    assert len(avatars) == 1 and root.find("**/avatar:7").isEmpty()


@pytest.mark.node
def test_a_highlight_and_ink_from_a_browser_show_on_the_page(
    app: App, node: Node, reference_server: str
) -> None:
    viewer = app.viewer
    book_id = BOOKS[0]
    assert book_id is not None
    viewer.open_book(book_id, 1)
    step_until(app, lambda: viewer.book is not None and viewer.book.pages_ready())
    book = viewer.book
    assert book is not None and book.visible_pages() == (None, 1)
    urls = {layer: f"{reference_server}/marks-room-{layer}" for layer in ("shared", "presenter")}
    live = LiveRoom(
        "ws://127.0.0.1:1",
        ROOM,
        TOKEN,
        {"user": "u"},
        layer_urls=urls,
        poses_url=f"ws://127.0.0.1:{free_port()}/none",
    )
    live.start()
    viewer.live = live
    try:
        result = node("xr-yjs-ink.mjs", reference_server, "marks-room-shared", book_id, "1")
        assert result.returncode == 0, result.stderr
        highlight = Point3(book.page_width * 0.35, book.page_height * (0.5 - 0.35), book.top)
        page = np.array(page_color(1), dtype=float)
        step_until(app, lambda: not np.allclose(pixel(app, book.root, highlight), page, atol=12))
        expected = page * (1 - HIGHLIGHT[3]) + np.array([255, 217, 26]) * HIGHLIGHT[3]
        assert np.allclose(pixel(app, book.root, highlight), expected, atol=14)
        # The ink stroke (dark blue, 2% of the page wide) crosses the page at v = 0.72.
        ink = Point3(book.page_width * 0.5, book.page_height * (0.5 - 0.72), book.top)
        assert np.allclose(pixel(app, book.root, ink), (16, 48, 160), atol=14)
    finally:
        viewer.live = None
        live.close()
