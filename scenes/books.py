"""Books on shelves as merged geometry: one primitive per atlas page, every spine a box
in its real proportions, and per-slot data in the node's extras so a client can tell
which book a ray hit: slot = triangle index // triangles_per_slot, or by box.

(No custom `_SLOT` vertex attribute: panda3d-gltf cannot load underscore attributes, and
the previews and the native viewer must read the very GLB browsers get.)"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scenes.atlas import Atlas, encode_jpeg, scaled
from scenes.geometry import (
    FACE_BACK,
    FACE_BOTTOM,
    FACE_FRONT,
    FACE_LEFT,
    FACE_RIGHT,
    FACE_TOP,
    Geometry,
    oriented_boxes,
)
from scenes.layout import RoomLayout
from scenes.profiles import DeviceProfile
from scenes.scenegraph import Material, Node, Texture
from scenes.template import RoomTemplate

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

FACE_SETS: dict[int, tuple[int, ...]] = {
    4: (FACE_FRONT, FACE_TOP, FACE_LEFT, FACE_RIGHT),
    6: (FACE_FRONT, FACE_TOP, FACE_LEFT, FACE_RIGHT, FACE_BACK, FACE_BOTTOM),
}
SHADE = np.array([1.0, 0.9, 0.72, 0.78, 0.6, 0.5])
"""Light baked per face: the spine materials are unlit, so this gives books their form."""
COVER_AT = 0.015
"""Where along the strip the cover colour is sampled (head band, before the rules)."""


class TextureCache:
    """Encoded atlas pages, shared by the profiles that use the same scale and quality."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int, float, int], Texture] = {}

    def get(self, chunk: str, page: int, atlas: Atlas, profile: DeviceProfile) -> Texture:
        key = (chunk, page, profile.atlas_scale, profile.jpeg_quality)
        texture = self._items.get(key)
        if texture is None:
            image = scaled(atlas.pages[page], profile.atlas_scale)
            data = encode_jpeg(image, profile.jpeg_quality)
            texture = Texture(
                f"spines-{chunk}-{page}", data, "image/jpeg", image.width, image.height
            )
            self._items[key] = texture
        return texture


def _uvs(rects: F64, paper: F64, faces: tuple[int, ...]) -> npt.NDArray[np.float32]:
    """(N, F, 4, 2): the spine strip on the front face (turned upright), the cover colour
    on the boards, page-block paper elsewhere."""
    n = len(rects)
    u0, v0, u1, v1 = rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3]
    uv = np.empty((n, len(faces), 4, 2))
    uv[:] = paper
    cover = np.stack([u0 + COVER_AT * (u1 - u0), (v0 + v1) / 2], axis=1)
    for k, face in enumerate(faces):
        if face == FACE_FRONT:
            # corners BL, BR, TR, TL: head at u0, the spine's right edge at v0
            uv[:, k, 0] = np.stack([u1, v1], axis=1)
            uv[:, k, 1] = np.stack([u1, v0], axis=1)
            uv[:, k, 2] = np.stack([u0, v0], axis=1)
            uv[:, k, 3] = np.stack([u0, v1], axis=1)
        elif face in (FACE_LEFT, FACE_RIGHT):
            uv[:, k] = cover[:, None, :]
    return uv.astype(np.float32)


def books_geometry(layout: RoomLayout, rects: F64, paper: F64, faces: tuple[int, ...]) -> Geometry:
    geometry, _ = oriented_boxes(layout.centers, layout.sizes_m, layout.along, layout.out, faces)
    n, f = len(layout), len(faces)
    geometry.uvs = _uvs(rects, paper, faces).reshape(-1, 2)
    shade = np.rint(SHADE[list(faces)] * 255).astype(np.uint8)
    colors = np.empty((n, f, 4, 4), dtype=np.uint8)
    colors[..., :3] = shade[None, :, None, None]
    colors[..., 3] = 255
    geometry.colors = colors.reshape(-1, 4)
    return geometry


def slot_extras(layout: RoomLayout, template: RoomTemplate, faces: int) -> dict[str, object]:
    up = np.array([0.0, 1.0, 0.0])
    half = (
        np.abs(layout.along) * layout.sizes_m[:, 0:1]
        + up * layout.sizes_m[:, 1:2]
        + np.abs(layout.out) * layout.sizes_m[:, 2:3]
    ) / 2
    boxes = np.concatenate([layout.centers - half, layout.centers + half], axis=1)
    range_ids = [s.id for s in template.shelf_ranges]
    return {
        "count": len(layout),
        "vertices_per_slot": faces * 4,
        "triangles_per_slot": faces * 2,
        "record_ids": [p.record_id for p in layout.placements],
        "book_ids": [p.book_id for p in layout.placements],
        "titles": [p.title for p in layout.placements],
        "call_numbers": [p.call_number for p in layout.placements],
        "ranges": [range_ids[r] for r in layout.range_index.tolist()],
        "faces": layout.face.tolist(),
        "bays": (layout.bay + 1).tolist(),
        "shelves": layout.level.tolist(),
        "positions": (layout.position + 1).tolist(),
        "boxes": np.round(boxes, 4).reshape(-1).tolist(),
        "oversize": np.flatnonzero(layout.oversize).tolist(),
    }


def chunk_node(
    chunk: str,
    layout: RoomLayout,
    atlas: Atlas,
    template: RoomTemplate,
    profile: DeviceProfile,
    textures: TextureCache,
) -> Node:
    """`books-<chunk>` with one child per atlas page: `books-<chunk>-<page>`."""
    faces = FACE_SETS[profile.book_faces]
    root = Node(f"books-{chunk}", extras={"kind": "books", "chunk": chunk, "count": len(layout)})
    for page in range(len(atlas.pages)):
        index = np.flatnonzero(atlas.page_of == page)
        if not len(index):
            continue
        sub = layout.subset(index)
        geometry = books_geometry(sub, atlas.rects[index], atlas.paper_uv[page], faces)
        material = Material(
            f"spines-{chunk}-{page}",
            unlit=True,
            texture=textures.get(chunk, page, atlas, profile),
            roughness=0.9,
        )
        extras: dict[str, object] = {
            "kind": "book_slots",
            "chunk": chunk,
            "page": page,
            "slots": slot_extras(sub, template, len(faces)),
        }
        root.children.append(Node(f"books-{chunk}-{page}", [(geometry, material)], extras=extras))
    return root
