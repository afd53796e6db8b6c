"""`readingroom view`: connect, load the room, then run desktop or XR mode. Every way it
can fail ends here as one line on stderr and a non-zero exit status (errors.py lists them);
nothing blocks without a timeout."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from clients.xr.api import ServerApi
from clients.xr.errors import DisplayUnavailableError, NotFoundError, ViewerError
from clients.xr.live import LiveRoom
from clients.xr.manifests import Me, PageSize, RoomManifest
from clients.xr.options import ViewOptions
from clients.xr.scene import RoomScene, load_room

if TYPE_CHECKING:  # Panda3D loads only when a window opens
    from direct.task.Task import Task, TaskManager

    from clients.xr.desktop import Desktop
    from clients.xr.viewer import Viewer

log = logging.getLogger("readingroom.xr")
OFFSCREEN_FPS = 30.0


def run_view(options: ViewOptions, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    logging.basicConfig(level=logging.WARNING, format="readingroom view: %(message)s", stream=err)
    try:
        return _run(options, err)
    except ViewerError as exc:
        print(f"readingroom view: {exc}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: still one line, and the cause to report
        print(f"readingroom view: unexpected error ({type(exc).__name__}: {exc})", file=err)
        log.debug("unexpected error", exc_info=True)
        return 1


class _Stopper:
    """`kill` (SIGTERM) ends the viewer like closing its window: the frame loop stops and
    the viewer leaves the session (others stop seeing it at once) instead of vanishing.
    Before the frame loop is set up, it interrupts whatever is waiting."""

    def __init__(self) -> None:
        self.requested = False
        self._task_mgr: TaskManager | None = None
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)

    def stop_loop(self, task_mgr: TaskManager) -> None:
        """From now on a kill stops `task_mgr`'s loop, also one that comes before the loop
        runs: `TaskManager.run()` begins by setting its running flag, which forgets a
        `stop()` made before it (the viewer then ignored the kill and ran on), so a task
        checks for the request at every frame as well."""
        self._task_mgr = task_mgr
        task_mgr.add(self._check, "readingroom-stop", sort=-100)

    def _check(self, task: Task) -> int:
        if self.requested and self._task_mgr is not None:
            self._task_mgr.stop()
        return int(task.cont)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self._task_mgr is None:
            raise KeyboardInterrupt
        self.requested = True
        self._task_mgr.stop()


def _run(options: ViewOptions, err: TextIO) -> int:
    options.check()
    stopper = _Stopper()
    if not options.xr and not options.offscreen:
        from clients.xr.config import display_available

        if not display_available():  # say so before connecting, not after
            raise DisplayUnavailableError(
                "no display to open a window on (set DISPLAY), or use --offscreen --screenshot FILE"
            )
    runtime = None
    if options.xr:
        from clients.xr.xr_runtime import probe_runtime

        runtime = probe_runtime()  # before the network: no headset, no point connecting
    api = ServerApi(options.url, options.token, timeout=options.timeout)
    try:
        me = api.me()
        room_id = options.room or first_room(api)
        manifest = room_manifest(api, room_id, options.profile)
        scene = api.room_scene(
            room_id, options.profile, manifest.scene.url if manifest.scene else None
        )
        room = load_room(scene, room_id, manifest.spawn_points)
        page_size: PageSize = manifest.profile.page_image_size
        live = start_live(api, room_id, me, "xr" if options.xr else "desktop", options)
        try:
            if runtime is not None:
                from clients.xr.xr_session import run_xr

                return run_xr(runtime, api, room, me, page_size, live, options, stopper)
            return run_desktop(api, room, me, page_size, live, options, err, stopper)
        finally:
            if live is not None:
                live.close()
    finally:
        api.close()


def first_room(api: ServerApi) -> str:
    rooms = api.rooms()
    if not rooms:
        raise NotFoundError("this server has no rooms yet (a librarian creates them)")
    return rooms[0].id


def room_manifest(api: ServerApi, room_id: str, profile: str) -> RoomManifest:
    try:
        return api.room_manifest(room_id, profile)
    except NotFoundError:
        try:
            known = [r.id for r in api.rooms()]
        except NotFoundError:
            raise NotFoundError("this server does not serve rooms (no /api/v1/rooms)") from None
        listed = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
        raise NotFoundError(
            f"no room {room_id!r} on this server" + (f"; rooms here: {listed}" if known else "")
        ) from None


def start_live(
    api: ServerApi, room_id: str, me: Me, device: str, options: ViewOptions
) -> LiveRoom | None:
    if not options.live or options.screenshot is not None:
        return None
    presence = {
        "user": me.user,
        "name": me.name or me.user,
        "role": me.role,
        "device": device,
        "book": None,
        "page": None,
        "pointer": None,
    }
    live = LiveRoom(
        api.ws_base, room_id, api.token, presence, pose_rate_hz=90.0 if options.xr else 30.0
    )
    live.start()
    return live


def run_desktop(
    api: ServerApi,
    room: RoomScene,
    me: Me,
    page_size: PageSize,
    live: LiveRoom | None,
    options: ViewOptions,
    err: TextIO,
    stopper: _Stopper | None = None,
) -> int:
    from clients.xr.desktop import Desktop, open_base
    from clients.xr.viewer import Viewer

    base = open_base(
        offscreen=options.offscreen, size=options.size, title=f"readingroom: {room.title}"
    )
    viewer = None
    try:
        viewer = Viewer(base.render, base.camera, api, room, me, page_size, live)
        desktop = Desktop(base, viewer, quit=base.taskMgr.stop)
        if stopper is not None:
            stopper.stop_loop(base.taskMgr)
        if options.book is not None:
            viewer.open_book(options.book, options.page)
        if options.screenshot is not None:
            capture(desktop, viewer, options)
            print(f"wrote {options.screenshot}", file=err)
            return 0
        if options.offscreen:
            # Nothing paces frames off screen: hold a display's rate, not as fast as possible.
            from panda3d.core import ClockObject

            clock = ClockObject.getGlobalClock()
            clock.setMode(ClockObject.MLimited)
            clock.setFrameRate(OFFSCREEN_FPS)
        base.run()
        return 0
    finally:
        if viewer is not None:
            viewer.close()
        base.destroy()


def capture(desktop: Desktop, viewer: Viewer, options: ViewOptions) -> None:
    """Render until the room (and the asked-for book with its pages) is drawn, then save."""
    deadline = time.monotonic() + options.timeout
    while time.monotonic() < deadline:
        desktop.step()
        if viewer.book_error is not None:
            raise viewer.book_error
        if options.book is None or (viewer.book is not None and viewer.book.pages_ready()):
            break
        time.sleep(0.005)
    else:
        log.warning(
            "the book's pages did not arrive within %g s; the screenshot shows what did",
            options.timeout,
        )
    desktop.step(3)
    assert options.screenshot is not None
    desktop.screenshot(options.screenshot)
