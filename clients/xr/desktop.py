"""Desktop mode: the room in a window (or off screen, for tests and for machines without a
display) with mouse and keyboard. Click a spine to open its book; click the right or left
page (or use the arrow keys, Page Up/Down, space) to turn; click the floor to walk there;
drag with the right button to look around; W/A/S/D to walk; F follows the presenter,
L leads (presenters), B bookmarks, Esc closes the book, Ctrl+Q quits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from panda3d.core import Filename, NodePath, PNMImage, Point3, TextNode, Vec3

from clients.xr.book import BookView
from clients.xr.config import configure, display_available
from clients.xr.errors import DisplayUnavailableError, ViewerError
from clients.xr.viewer import Viewer

WALK_SPEED = 1.6  # m/s
LOOK_SPEED = 0.25  # degrees per pixel
READING_PITCH = 36.0  # degrees below the horizon to the open book


def open_base(*, offscreen: bool, size: tuple[int, int], title: str) -> Any:
    """Start ShowBase; DisplayUnavailableError (one line) when no window or GL context opens."""
    if not offscreen and not display_available():
        raise DisplayUnavailableError(
            "no display to open a window on (set DISPLAY), or use --offscreen --screenshot FILE"
        )
    configure(offscreen=offscreen, size=size, title=title)
    from direct.showbase.ShowBase import ShowBase

    try:
        base = ShowBase()
    except Exception as exc:
        raise DisplayUnavailableError(f"no OpenGL context could be opened ({exc})") from None
    if base.win is None:
        raise DisplayUnavailableError("no OpenGL context could be opened")
    base.disableMouse()
    base.camLens.setNear(0.01)
    base.camLens.setFar(200.0)
    base.camLens.setFov(75.0)
    base.setBackgroundColor(0.55, 0.6, 0.68, 1)
    return base


class Desktop:
    """Binds the mouse and keyboard to a `Viewer` and runs the frame loop."""

    def __init__(self, base: Any, viewer: Viewer, quit: Callable[[], None]) -> None:
        self.base = base
        self.viewer = viewer
        self._quit = quit
        camera: NodePath = base.camera
        camera.reparentTo(viewer.rig)
        camera.setPos(0, 0, viewer.eye_height)
        camera.setHpr(0, -8, 0)
        self._keys: dict[str, bool] = {}
        self._drag: tuple[float, float] | None = None
        self._last = time.perf_counter()
        self._book_seen: BookView | None = None
        self.frames = 0
        hud = TextNode("hud")
        hud.setTextColor(1, 1, 1, 1)
        hud.setShadow(0.05, 0.05)
        self._hud_text = hud
        self._hud = base.a2dTopLeft.attachNewNode(hud)
        self._hud.setScale(0.045)
        self._hud.setPos(0.04, 0, -0.07)
        self._hud_shown = ""
        self._bind()
        base.taskMgr.add(self._frame, "readingroom-frame", sort=-10)

    def _bind(self) -> None:
        accept = self.base.accept
        for key in ("w", "a", "s", "d", "arrow_up", "arrow_down"):
            accept(key, self._keys.__setitem__, [key, True])
            accept(f"{key}-up", self._keys.__setitem__, [key, False])
        accept("mouse1", self._click)
        accept("mouse3", self._start_drag)
        accept("mouse3-up", self._end_drag)
        accept("arrow_right", self._turn_or_look, [1])
        accept("arrow_left", self._turn_or_look, [-1])
        for key, direction in (("page_down", 1), ("space", 1), ("page_up", -1), ("backspace", -1)):
            accept(key, self.viewer.turn, [direction])
        accept("escape", self.viewer.close_book)
        accept("f", self._toggle_follow)
        accept("l", lambda: self.viewer.lead(not self.viewer.leading))
        accept("b", self.viewer.bookmark)
        accept("control-q", self._quit)
        accept("window-event", self._window_event)

    def _window_event(self, window: Any) -> None:
        props = window.getProperties()
        if not props.getOpen():
            self._quit()

    def _toggle_follow(self) -> None:
        self.viewer.following = not self.viewer.following
        self.viewer.say("following the presenter" if self.viewer.following else "not following")

    def _turn_or_look(self, direction: int) -> None:
        if self.viewer.book is not None:
            self.viewer.turn(direction)
        else:
            self.viewer.rig.setH(self.viewer.rig.getH() - 15 * direction)

    def mouse_ray(self, x: float, y: float) -> tuple[Point3, Vec3]:
        """The ray under a point of the screen (-1..1), in render coordinates."""
        near, far = Point3(), Point3()
        self.base.camLens.extrude((x, y), near, far)
        render = self.viewer.render
        camera = self.base.camera
        origin = render.getRelativePoint(camera, near)
        target = render.getRelativePoint(camera, far)
        return origin, Vec3(target - origin).normalized()

    def click(self, x: float, y: float) -> None:
        """What a left click at (x, y) in -1..1 does."""
        book = self.viewer.book
        origin, direction = self.mouse_ray(x, y)
        if book is not None:
            side = book.page_hit(origin, direction)
            if side is not None:
                self.viewer.turn(side)
                return
        pick = self.viewer.pick(origin, direction)
        if pick is not None:
            self.viewer.activate(pick)

    def _click(self) -> None:
        watcher = self.base.mouseWatcherNode
        if watcher.hasMouse():
            pointer = watcher.getMouse()
            self.click(pointer.x, pointer.y)

    def _start_drag(self) -> None:
        watcher = self.base.mouseWatcherNode
        if watcher.hasMouse():
            self._drag = (watcher.getMouse().x, watcher.getMouse().y)

    def _end_drag(self) -> None:
        self._drag = None

    def _frame(self, task: Any) -> int:
        now = time.perf_counter()
        dt = min(now - self._last, 0.1)
        self._last = now
        self._move(dt)
        self.viewer.update(dt)
        if self.viewer.book is not self._book_seen:
            self._book_seen = self.viewer.book
            if self._book_seen is not None:  # look down at the book, as a reader does
                self.base.camera.setP(-READING_PITCH)
        self._show_hud()
        self.frames += 1
        from direct.task.Task import Task

        return int(Task.cont)

    def _move(self, dt: float) -> None:
        watcher = self.base.mouseWatcherNode
        camera: NodePath = self.base.camera
        if self._drag is not None and watcher.hasMouse():
            x, y = watcher.getMouse().x, watcher.getMouse().y
            win = self.base.win
            dx = (x - self._drag[0]) * win.getXSize() / 2
            dy = (y - self._drag[1]) * win.getYSize() / 2
            self._drag = (x, y)
            self.viewer.rig.setH(self.viewer.rig.getH() - dx * LOOK_SPEED)
            camera.setP(max(-80.0, min(80.0, camera.getP() + dy * LOOK_SPEED)))
        keys = self._keys
        forward = int(keys.get("w", False) or keys.get("arrow_up", False)) - int(
            keys.get("s", False) or keys.get("arrow_down", False)
        )
        sideways = int(keys.get("d", False)) - int(keys.get("a", False))
        if forward or sideways:
            heading = math.radians(self.viewer.rig.getH())
            fx, fy = -math.sin(heading), math.cos(heading)
            step = WALK_SPEED * dt
            rig = self.viewer.rig
            rig.setPos(
                rig.getX() + (fx * forward + fy * sideways) * step,
                rig.getY() + (fy * forward - fx * sideways) * step,
                rig.getZ(),
            )

    def _show_hud(self) -> None:
        viewer = self.viewer
        parts = [viewer.room.title]
        if viewer.book is not None:
            left, right = viewer.book.visible_pages()
            pages = "–".join(str(p) for p in (left, right) if p is not None)
            parts.append(f"{viewer.book.manifest.title or viewer.book.manifest.id}, p. {pages}")
        if viewer.live is not None:
            view = viewer.live.view
            people = len(view.people)
            if people:
                parts.append(f"{people} other{'s' if people != 1 else ''} here")
            down = [
                f"{k}: {s.detail or s.state}" for k, s in view.links.items() if s.state != "synced"
            ]
            if down:
                parts.append("session " + ", ".join(down))
        if viewer.notice:
            parts.append(viewer.notice)
        text = "   |   ".join(parts)
        if text != self._hud_shown:
            self._hud_shown = text
            self._hud_text.setText(text)

    def step(self, frames: int = 1) -> None:
        """Run `frames` frames of the loop (tests and screenshots drive it this way)."""
        for _ in range(frames):
            self.base.taskMgr.step()

    def screenshot(self, path: Path) -> None:
        image = PNMImage()
        if not self.base.win.getScreenshot(image):
            raise ViewerError("the frame could not be read back for the screenshot")
        if not image.write(Filename.fromOsSpecific(str(path))):
            raise ViewerError(f"could not write the screenshot to {path}")
