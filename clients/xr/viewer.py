"""The viewer's world, the same in desktop and XR mode: the room, the reader's place in it
(the rig), the open book, others' avatars and marks, and the live session. Input modes
call `pick`, `open_book`, `turn` and `teleport`; every frame they call `update`, which is
all the CPU work a frame does outside rendering (the budget is 2 ms)."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from panda3d.core import NodePath, Point3, Vec3

from clients.xr.api import ServerApi
from clients.xr.avatars import Avatars
from clients.xr.book import BookView
from clients.xr.errors import ViewerError
from clients.xr.frames import panda_pose_to_room
from clients.xr.live import LiveRoom
from clients.xr.manifests import BookManifest, Me, PageSize
from clients.xr.marks import Lead
from clients.xr.overlays import PageOverlays
from clients.xr.pages import PageTextures
from clients.xr.picking import ray_boxes, ray_floor
from clients.xr.poses import PoseSample
from clients.xr.scene import RoomScene, book_model, light_room, read_book_glb

log = logging.getLogger("readingroom.xr")

READING_DISTANCE_M = 0.42
READING_DROP_M = 0.3
READING_TILT_DEG = 35.0
PRESENTERS = ("teacher", "librarian", "admin")


@dataclass(frozen=True, slots=True)
class Pick:
    """What a ray points at: a book slot, or a point on the floor."""

    distance: float
    slot: int | None = None
    floor: tuple[float, float, float] | None = None


@dataclass(slots=True)
class _Opening:
    book_id: str
    page: int
    future: Future[tuple[BookManifest, dict[str, Any]]]  # the manifest and the parsed GLB


class Viewer:
    def __init__(
        self,
        render: NodePath,
        head: NodePath,
        api: ServerApi,
        room: RoomScene,
        me: Me,
        page_size: PageSize,
        live: LiveRoom | None = None,
    ) -> None:
        self.render = render
        self.api = api
        self.room = room
        self.me = me
        self.live = live
        room.root.reparentTo(render)
        light_room(render, room.extras)
        self.rig = render.attachNewNode("rig")
        spawn = room.spawn_for(me.role)
        self.rig.setPos(*spawn.position)
        self.rig.setH(spawn.heading)
        self.head = head
        self.eye_height = spawn.eye_height
        self.hands: dict[str, NodePath | None] = {"left": None, "right": None}
        self.textures = PageTextures(api, page_size)
        self.avatars = Avatars(render)
        self._loader = ThreadPoolExecutor(1, thread_name_prefix="xr-books")
        self.book: BookView | None = None
        self.overlays: PageOverlays | None = None
        self._opening: _Opening | None = None
        self.book_error: ViewerError | None = None
        self.notice = ""
        self.following = True
        self.leading = False
        self._lead_seen: Lead | None = None
        self._presence: tuple[str | None, int | None] = (None, None)
        self.update_seconds: deque[float] = deque(maxlen=10_000)

    # --- actions -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.notice = text
        log.info("%s", text)

    def open_book(self, book_id: str, page: int = 1) -> None:
        """Fetch and show a book (in the background); the one shown now stays until then."""
        if self._opening is not None and self._opening.book_id == book_id:
            self._opening.page = page
            return
        if self.book is not None and self.book.manifest.id == book_id:
            self.book.go_to(page)
            return
        self.book_error = None
        self.say(f"opening {book_id}…")
        self._opening = _Opening(book_id, page, self._loader.submit(self._fetch_book, book_id))

    def _fetch_book(self, book_id: str) -> tuple[BookManifest, dict[str, Any]]:
        """On the loader thread: the network and the GLB's parsing, nothing of Panda3D."""
        manifest = self.api.book(book_id)
        if manifest.status == "failed":
            raise ViewerError(f"book {book_id!r} could not be rendered on the server")
        return manifest, read_book_glb(self.api.book_model(manifest), book_id)

    def _finish_opening(self) -> None:
        opening = self._opening
        if opening is None or not opening.future.done():
            return
        self._opening = None
        try:
            manifest, gltf = opening.future.result()
            model, extras = book_model(gltf, opening.book_id)
            book = BookView(manifest, model, extras, self.textures)
        except ViewerError as exc:
            self.book_error = exc
            self.say(str(exc))
            return
        except Exception as exc:  # the model loaded but is not a book we can show
            self.book_error = ViewerError(
                f"book {opening.book_id!r} cannot be shown ({type(exc).__name__}: {exc})"
            )
            self.say(str(self.book_error))
            return
        self.close_book()
        self.book = book
        self.overlays = PageOverlays(book)
        self._place_book(book)
        book.go_to(opening.page)
        self.say(manifest.title or manifest.id)

    def _place_book(self, book: BookView) -> None:
        """In front of the reader, below the eyes, tilted towards them, as a book is held."""
        heading = self.head.getH(self.render)
        eye = self.head.getPos(self.render)
        forward = Vec3(-math.sin(math.radians(heading)), math.cos(math.radians(heading)), 0)
        book.root.reparentTo(self.render)
        book.root.setPos(eye + forward * READING_DISTANCE_M + Vec3(0, 0, -READING_DROP_M))
        book.root.setHpr(heading, READING_TILT_DEG, 0)

    def close_book(self) -> None:
        if self.book is not None:
            self.book.destroy()
        self.book = None
        self.overlays = None

    def turn(self, direction: int) -> bool:
        return self.book.turn(direction) if self.book is not None else False

    def pick(self, origin: Point3 | Vec3, direction: Vec3) -> Pick | None:
        """The nearest book slot or floor point along a ray (render coordinates)."""
        o = np.array([origin.x, origin.y, origin.z])
        d = np.array([direction.x, direction.y, direction.z])
        hit = ray_boxes(o, d, self.room.slots.boxes, max_distance=30.0)
        floor = ray_floor(o, d, float(self.rig.getZ(self.render)))
        floor_distance = float(np.linalg.norm(floor - o)) if floor is not None else math.inf
        if hit is not None and hit.distance <= floor_distance:
            return Pick(hit.distance, slot=hit.index)
        if floor is not None and floor_distance < 30.0:
            return Pick(floor_distance, floor=(float(floor[0]), float(floor[1]), float(floor[2])))
        return None

    def activate(self, pick: Pick) -> None:
        """What a click or a trigger does to what it points at."""
        if pick.slot is not None:
            slots = self.room.slots
            book_id = slots.book_ids[pick.slot]
            title = slots.titles[pick.slot] or "this book"
            if book_id is None:
                self.say(f"{title}: no 3D book on this server (print only)")
            else:
                self.open_book(book_id)
        elif pick.floor is not None:
            self.teleport(pick.floor)

    def teleport(self, point: tuple[float, float, float]) -> None:
        """Move the reader so that their head is above `point`, keeping the heading."""
        head = self.head.getPos(self.render)
        rig = self.rig.getPos(self.render)
        self.rig.setPos(rig.x + point[0] - head.x, rig.y + point[1] - head.y, point[2])

    def lead(self, on: bool) -> None:
        if on and self.me.role not in PRESENTERS:
            self.say("only teachers, librarians and admins lead the room")
            return
        self.leading = on
        self._publish_lead(force=True)

    def bookmark(self) -> None:
        if self.book is None or self.live is None:
            return
        left, right = self.book.visible_pages()
        page = right or left
        if page is not None:
            self.live.bookmark(self.book.manifest.id, page, self.me.user)
            self.say(f"bookmarked page {page}")

    # --- every frame ---------------------------------------------------------------------

    def update(self, dt: float) -> None:
        started = time.perf_counter()
        self._finish_opening()
        if self.book is not None:
            self.book.update(dt)
        live = self.live
        if live is not None:
            view = live.view
            if self.overlays is not None:
                self.overlays.update(view.marks)
            self._follow(view.lead)
            self.avatars.update(live.others, dt)
            self._publish_presence()
            live.offer_pose(self.pose_sample())
        self.update_seconds.append(time.perf_counter() - started)

    def _follow(self, lead: Lead) -> None:
        if lead is self._lead_seen:
            return
        changed = self._lead_seen is None or lead != self._lead_seen
        self._lead_seen = lead
        if not changed or not self.following or self.leading or not lead.follow:
            return
        if lead.leader == self.me.user or lead.book is None:
            return
        self.open_book(lead.book, lead.page or 1)

    def _publish_presence(self) -> None:
        book = self.book.manifest.id if self.book is not None else None
        page = None
        if self.book is not None:
            left, right = self.book.visible_pages()
            page = right or left
        if (book, page) == self._presence or self.live is None:
            return
        self._presence = (book, page)
        self.live.set_presence(book=book, page=page)
        self._publish_lead()

    def _publish_lead(self, force: bool = False) -> None:
        if not self.leading or self.live is None or self.book is None:
            return
        book, page = self._presence
        if book is not None and (page is not None or force):
            self.live.lead(book, page or 1, self.me.user)

    def pose_sample(self) -> PoseSample:
        """The head (and hands) in the room frame, as the pose channel carries them."""
        return PoseSample(
            *_room_pose(self.head, self.render),
            left=_room_pose(self.hands["left"], self.render) if self.hands["left"] else None,
            right=_room_pose(self.hands["right"], self.render) if self.hands["right"] else None,
        )

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
        self.textures.close()


def _room_pose(
    node: NodePath, render: NodePath
) -> tuple[tuple[float, float, float], tuple[float, float, float, float]]:
    p = node.getPos(render)
    q = node.getQuat(render)
    return panda_pose_to_room((p.x, p.y, p.z), (q.getR(), q.getI(), q.getJ(), q.getK()))
