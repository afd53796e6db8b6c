"""RoomService: create, edit and version rooms; build their scenes lazily, when the
template or the books its shelves select have changed; render and cache previews."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from assets.store import AssetRef, AssetStore
from experience_server.placements import PlacementSource, select_room_books
from experience_server.rooms.errors import RoomAssetNotFoundError
from experience_server.rooms.store import BuildRecord, RoomRecord, RoomStore, VersionRecord
from scenes.book_model import closed_book_glb
from scenes.compose import build_room
from scenes.errors import InvalidTemplateError, PreviewUnavailableError, TemplateIssue
from scenes.fingerprint import book_set_fingerprint
from scenes.labels import SpineTypesetter
from scenes.manifest import room_manifest
from scenes.placement import BookPlacement, RoomBooks
from scenes.preview.camera import book_camera, room_camera
from scenes.preview.renderer import PreviewRenderer, PreviewStatus
from scenes.profiles import get_profile
from scenes.template import (
    RoomTemplate,
    builtin_template_names,
    load_builtin_template,
    parse_template,
)

BookModelLookup = Callable[[str], bytes | None]
"""book_id -> the book_renderer's GLB of that book, when it has one."""
PREVIEW_PROFILE = "touch"
"""Previews are rendered from the kiosk GLB: what a catalog page or kiosk would load."""
SYSTEM_USER = "readingroom"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class RoomService:
    def __init__(
        self,
        store: RoomStore,
        assets: AssetStore,
        source: PlacementSource,
        previews: PreviewRenderer,
        *,
        max_books: int,
        url_prefix: str = "/api/v1/rooms",
        book_models: BookModelLookup | None = None,
    ) -> None:
        self.store = store
        self.assets = assets
        self.source = source
        self.previews = previews
        self.max_books = max_books
        self.url_prefix = url_prefix
        self.book_models = book_models
        self._locks: dict[str, asyncio.Lock] = {}
        self._build_lock = threading.Lock()
        self._typesetter: SpineTypesetter | None = None
        self._starting: asyncio.Task[PreviewStatus] | None = None

    def seed(self) -> int:
        """Store the shipped templates as rooms on first start."""
        templates = [load_builtin_template(name).to_json() for name in builtin_template_names()]
        return self.store.seed_once(templates, SYSTEM_USER)

    @property
    def preview_status(self) -> PreviewStatus:
        return self.previews.status

    def check_previews(self) -> PreviewStatus:
        """The previews' state for /readyz; the first call starts the worker in the
        background (so servers and tests that never render never pay for it)."""
        status = self.previews.status
        if status.state == "idle" and (self._starting is None or self._starting.done()):
            self._starting = asyncio.create_task(asyncio.to_thread(self.previews.start))
        return status

    async def aclose(self) -> None:
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        await asyncio.to_thread(self.previews.close)

    # -- rooms as data -----------------------------------------------------------------

    async def list_rooms(self) -> list[RoomRecord]:
        return await asyncio.to_thread(self.store.all)

    async def get(self, room_id: str) -> RoomRecord:
        return await asyncio.to_thread(self.store.get, room_id)

    async def versions(self, room_id: str) -> list[VersionRecord]:
        return await asyncio.to_thread(self.store.versions, room_id)

    async def create(self, data: object, user: str) -> RoomRecord:
        template = parse_template(data)
        return await asyncio.to_thread(self.store.create, template.to_json(), user)

    async def replace(
        self, room_id: str, data: object, user: str, expected_version: int | None
    ) -> RoomRecord:
        if isinstance(data, dict):
            data = {**data}
            data.setdefault("id", room_id)
            if data["id"] != room_id:
                raise InvalidTemplateError(
                    [
                        TemplateIssue(
                            ("id",),
                            f"the id of a room cannot change (this is {room_id!r})",
                            "id_mismatch",
                        )
                    ]
                )
        template = parse_template(data)
        return await asyncio.to_thread(
            self.store.update, room_id, template.to_json(), user, expected_version
        )

    async def patch(
        self, room_id: str, patch: object, user: str, expected_version: int | None
    ) -> RoomRecord:
        """Apply a JSON merge patch to the current template; the edit is refused if the
        room changed underneath it."""
        current = await self.get(room_id)
        merged = merge_patch(current.template, patch)
        version = expected_version if expected_version is not None else current.version
        return await self.replace(room_id, merged, user, version)

    # -- builds ------------------------------------------------------------------------

    def _url(self, room_id: str, digest: str) -> str:
        return f"{self.url_prefix}/{room_id}/assets/{digest}.glb"

    def _current(self, record: RoomRecord, profile: str, fingerprint: str) -> BuildRecord | None:
        build = self.store.get_build(record.id, profile)
        if build is None or build.version != record.version or build.fingerprint != fingerprint:
            return None
        digests = [build.scene_digest] + [a["sha256"] for a in build.manifest["assets"]]
        return build if all(self.assets.exists(d) for d in digests) else None

    def _select(self, record: RoomRecord) -> tuple[RoomTemplate, RoomBooks, str]:
        template = parse_template(record.template)
        books = select_room_books(template, self.source, self.max_books)
        return template, books, book_set_fingerprint(template, books)

    def _build(
        self, record: RoomRecord, template: RoomTemplate, books: RoomBooks
    ) -> dict[str, BuildRecord]:
        with self._build_lock:
            if self._typesetter is None:
                self._typesetter = SpineTypesetter()
            build = build_room(template, books, version=record.version, typesetter=self._typesetter)
        out: dict[str, BuildRecord] = {}
        now = time.time()
        for name, result in build.profiles.items():
            for glb in (result.scene, *(part.glb for part in result.parts)):
                self.assets.put_bytes(glb)
            manifest = room_manifest(build, name, lambda d: self._url(record.id, d))
            out[name] = BuildRecord(
                record.id,
                name,
                record.version,
                build.fingerprint,
                result.scene_sha256,
                manifest,
                None,
                now,
            )
        self.store.put_builds(out.values())
        return out

    async def build(self, room_id: str, profile: str) -> BuildRecord:
        """The room's current build for `profile`, building every profile if the template
        or its books changed since the last one."""
        get_profile(profile)
        record = await self.get(room_id)
        template, books, fingerprint = await asyncio.to_thread(self._select, record)
        found = await asyncio.to_thread(self._current, record, profile, fingerprint)
        if found is not None:
            return found
        lock = self._locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            found = await asyncio.to_thread(self._current, record, profile, fingerprint)
            if found is not None:
                return found
            builds = await asyncio.to_thread(self._build, record, template, books)
        return builds[profile]

    async def scene(self, room_id: str, profile: str) -> tuple[BuildRecord, AssetRef]:
        build = await self.build(room_id, profile)
        return build, self.assets.get(build.scene_digest)

    async def asset(self, room_id: str, digest: str) -> AssetRef:
        """A part or scene GLB, only if it belongs to one of the room's builds."""
        builds = await asyncio.to_thread(self.store.builds, room_id)
        await self.get(room_id)
        known = {b.scene_digest for b in builds}
        known |= {a["sha256"] for b in builds for a in b.manifest.get("assets", [])}
        if digest not in known or not self.assets.exists(digest):
            raise RoomAssetNotFoundError(f"room {room_id!r} has no asset {digest[:16]}...")
        return self.assets.get(digest)

    # -- previews ----------------------------------------------------------------------

    def _render(self, glb: bytes, camera_for: Callable[[], Any]) -> AssetRef:
        png = self.previews.render(glb, camera_for())
        return self.assets.put_bytes(png)

    async def preview(self, room_id: str) -> AssetRef:
        if not self.previews.enabled:
            raise PreviewUnavailableError(self.previews.status.detail)
        build = await self.build(room_id, PREVIEW_PROFILE)
        if build.preview_digest and self.assets.exists(build.preview_digest):
            return self.assets.get(build.preview_digest)
        record = await self.get(room_id)
        template = parse_template(record.template)
        glb = await asyncio.to_thread(self.assets.get(build.scene_digest).path.read_bytes)
        ref = await asyncio.to_thread(self._render, glb, lambda: room_camera(template))
        await asyncio.to_thread(
            self.store.set_preview, room_id, PREVIEW_PROFILE, build.scene_digest, ref.digest
        )
        return ref

    def _placement(self, record: RoomRecord, record_id: str) -> BookPlacement:
        _, books, _ = self._select(record)
        for selection in books.by_range.values():
            for placement in selection.placements:
                if placement.record_id == record_id:
                    return placement
        raise RoomAssetNotFoundError(
            f"record {record_id!r} is not on the shelves of room {record.id!r}"
        )

    def _book_model(self, placement: BookPlacement) -> bytes:
        if self.book_models is not None and placement.book_id:
            glb = self.book_models(placement.book_id)
            if glb:
                return glb
        with self._build_lock:
            if self._typesetter is None:
                self._typesetter = SpineTypesetter()
            return closed_book_glb(placement, self._typesetter)

    async def book_preview(self, room_id: str, record_id: str) -> AssetRef:
        """A three-quarter view of one book of the room: the book_renderer's model when
        there is one, otherwise a closed book made from its catalog data."""
        if not self.previews.enabled:
            raise PreviewUnavailableError(self.previews.status.detail)
        record = await self.get(room_id)
        placement = await asyncio.to_thread(self._placement, record, record_id)
        glb = await asyncio.to_thread(self._book_model, placement)
        model_digest = hashlib.sha256(glb).hexdigest()
        cached = await asyncio.to_thread(self.store.book_preview, model_digest)
        if cached and self.assets.exists(cached):
            return self.assets.get(cached)
        ref = await asyncio.to_thread(self._render, glb, book_camera)
        await asyncio.to_thread(self.store.set_book_preview, model_digest, ref.digest)
        return ref
