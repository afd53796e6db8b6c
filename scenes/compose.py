"""Template + book placements -> the room in every device profile: a full GLB and its
parts in loading order (shell, near shelves, the rest). Spine lettering, the costly part,
is done once and shared by all profiles."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scenes.atlas import Atlas, build_atlas
from scenes.books import TextureCache, chunk_node
from scenes.fingerprint import BUILDER_VERSION, book_set_fingerprint
from scenes.glb import write_glb
from scenes.labels import SpineTypesetter
from scenes.layout import RoomLayout, ShelfReport, lay_out, split_near
from scenes.placement import RoomBooks
from scenes.profiles import PROFILE_NAMES, DeviceProfile, get_profile
from scenes.scenegraph import Node
from scenes.shell import MaterialBook, room_node
from scenes.template import RoomTemplate

NEAR_RADIUS_M = 5.0
"""Books within this distance of the default spawn point load right after the shell."""
PART_ORDER = ("shell", "near", "rest")


@dataclass(frozen=True, slots=True)
class PartBuild:
    name: str
    glb: bytes
    sha256: str
    draw_calls: int
    triangles: int
    books: int
    texture_bytes: int


@dataclass(frozen=True, slots=True)
class ProfileBuild:
    profile: DeviceProfile
    scene: bytes
    scene_sha256: str
    parts: tuple[PartBuild, ...]
    draw_calls: int
    triangles: int
    texture_bytes: int
    """Resident texture memory (RGBA8 with mipmaps) of the whole room."""
    books: int
    notices: tuple[str, ...] = ()

    def within_budget(self) -> bool:
        p = self.profile
        return (
            (p.max_draw_calls is None or self.draw_calls <= p.max_draw_calls)
            and (p.max_triangles is None or self.triangles <= p.max_triangles)
            and (p.max_texture_bytes is None or self.texture_bytes <= p.max_texture_bytes)
        )


@dataclass(frozen=True, slots=True)
class RoomBuild:
    template: RoomTemplate
    version: int
    fingerprint: str
    layout: RoomLayout
    profiles: dict[str, ProfileBuild]
    notices: tuple[str, ...]

    @property
    def reports(self) -> tuple[ShelfReport, ...]:
        return self.layout.reports


@dataclass(slots=True)
class _Shared:
    """What every profile of one build reuses."""

    chunks: dict[str, RoomLayout]
    atlases: dict[str, Atlas]
    textures: TextureCache = field(default_factory=TextureCache)


def _resident_bytes(node: Node) -> int:
    seen: dict[int, int] = {}
    for n in node.walk():
        for _, material in n.primitives:
            tex = material.texture
            if tex is not None:
                seen[id(tex)] = tex.width * tex.height * 4 * 4 // 3
    return sum(seen.values())


def _scene_extras(
    template: RoomTemplate, version: int, fingerprint: str, profile: DeviceProfile, part: str
) -> dict[str, Any]:
    return {
        "kind": "room_scene",
        "room": template.id,
        "title": template.title,
        "room_kind": template.kind,
        "version": version,
        "fingerprint": fingerprint,
        "profile": profile.name,
        "part": part,
        "builder": BUILDER_VERSION,
        "units": "metres",
        "axes": "x east, y up, z south; origin at the north-west floor corner",
        "size": [template.size.width, template.size.height, template.size.depth],
        "ambient": {"color": [1.0, 0.97, 0.92], "intensity": 0.55},
        "page_image_size": profile.page_image_size,
    }


def _part(name: str, roots: list[Node], extras: dict[str, Any], books: int) -> PartBuild:
    glb = write_glb(roots, extras)
    draw_calls = sum(r.draw_calls() for r in roots)
    triangles = sum(r.triangles() for r in roots)
    textures = sum(_resident_bytes(r) for r in roots)
    return PartBuild(
        name, glb, hashlib.sha256(glb).hexdigest(), draw_calls, triangles, books, textures
    )


def _fitting(profile: DeviceProfile, atlases: dict[str, Atlas]) -> tuple[DeviceProfile, str]:
    """The profile with its spine density halved until the room's atlases fit its texture
    budget (a 5,000-book room on a headset), and a notice saying so."""
    if profile.max_texture_bytes is None:
        return profile, ""
    master = sum(page.width * page.height for a in atlases.values() for page in a.pages)
    scale = profile.atlas_scale
    while scale > 1 / 16 and master * scale * scale * 4 * 4 / 3 > profile.max_texture_bytes:
        scale /= 2
    if scale == profile.atlas_scale:
        return profile, ""
    fitted = dataclasses.replace(profile, atlas_scale=scale)
    return fitted, (
        f"{profile.name}: spines are lettered at {fitted.px_per_mm:g} px per mm instead of "
        f"{profile.px_per_mm:g} to keep textures within "
        f"{profile.max_texture_bytes // 2**20} MB"
    )


def _profile_build(
    template: RoomTemplate,
    version: int,
    fingerprint: str,
    profile: DeviceProfile,
    layout: RoomLayout,
    shared: _Shared,
) -> ProfileBuild:
    profile, notice = _fitting(profile, shared.atlases)
    materials = MaterialBook()
    room = room_node(template, profile, layout.reports, materials)
    roots: dict[str, Node] = {"shell": room}
    for chunk, sub in shared.chunks.items():
        roots[chunk] = chunk_node(
            chunk, sub, shared.atlases[chunk], template, profile, shared.textures
        )
    parts = []
    for name in PART_ORDER:
        if name in roots:
            books = len(shared.chunks[name]) if name in shared.chunks else 0
            parts.append(
                _part(
                    name,
                    [roots[name]],
                    _scene_extras(template, version, fingerprint, profile, name),
                    books,
                )
            )
    whole = _part(
        "scene",
        list(roots.values()),
        _scene_extras(template, version, fingerprint, profile, "scene"),
        len(layout),
    )
    return ProfileBuild(
        profile,
        whole.glb,
        whole.sha256,
        tuple(parts),
        whole.draw_calls,
        whole.triangles,
        whole.texture_bytes,
        len(layout),
        (notice,) if notice else (),
    )


def build_room(
    template: RoomTemplate,
    books: RoomBooks,
    *,
    version: int = 1,
    profiles: Sequence[str] = PROFILE_NAMES,
    typesetter: SpineTypesetter | None = None,
) -> RoomBuild:
    """Lay out the books, letter their spines once, and write the room for each profile."""
    chosen = [get_profile(name) for name in profiles]
    fingerprint = book_set_fingerprint(template, books)
    layout = lay_out(template, books)
    typesetter = typesetter or SpineTypesetter()
    chunks = {
        name: layout.subset(index)
        for name, index in split_near(layout, template, NEAR_RADIUS_M).items()
    }
    atlases = {
        name: build_atlas(sub.placements, sub.sizes_mm, typesetter) for name, sub in chunks.items()
    }
    shared = _Shared(chunks, atlases)
    builds = {
        p.name: _profile_build(template, version, fingerprint, p, layout, shared) for p in chosen
    }
    notices = tuple(n for report in layout.reports for n in report.notices())
    return RoomBuild(template, version, fingerprint, layout, builds, notices)
