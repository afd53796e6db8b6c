"""Small GLBs for the viewer's tests, shaped like what the rooms and books builders emit
(node names and extras are the contract): a room with shelves of book slots and spawn
points, and an open book with cover, spine, two page stacks and a loose page."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import numpy as np
from PIL import Image

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963


def jpeg(color: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


class GlbWriter:
    def __init__(self) -> None:
        self.gltf: dict[str, Any] = {
            "asset": {"version": "2.0", "generator": "readingroom tests"},
            "scene": 0,
            "scenes": [{"nodes": []}],
            "nodes": [],
            "meshes": [],
            "materials": [],
            "accessors": [],
            "bufferViews": [],
        }
        self.blob = bytearray()

    def _view(self, data: bytes, target: int | None) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target:
            view["target"] = target
        self.blob.extend(data)
        self.gltf["bufferViews"].append(view)
        return len(self.gltf["bufferViews"]) - 1

    def _accessor(self, array: np.ndarray, kind: str, target: int, bounds: bool = False) -> int:
        component = 5125 if array.dtype == np.uint32 else 5126
        entry: dict[str, Any] = {
            "bufferView": self._view(array.tobytes(), target),
            "componentType": component,
            "count": len(array),
            "type": kind,
        }
        if bounds:
            entry["min"] = array.min(axis=0).tolist()
            entry["max"] = array.max(axis=0).tolist()
        self.gltf["accessors"].append(entry)
        return len(self.gltf["accessors"]) - 1

    def material(
        self,
        name: str,
        color: tuple[float, float, float, float] = (1, 1, 1, 1),
        texture: bytes | None = None,
        double_sided: bool = False,
    ) -> int:
        pbr: dict[str, Any] = {
            "baseColorFactor": list(color),
            "metallicFactor": 0.0,
            "roughnessFactor": 0.9,
        }
        if texture is not None:
            self.gltf.setdefault("images", []).append(
                {"bufferView": self._view(texture, None), "mimeType": "image/jpeg"}
            )
            self.gltf.setdefault("samplers", [{"magFilter": 9729, "minFilter": 9729}])
            self.gltf.setdefault("textures", []).append(
                {"sampler": 0, "source": len(self.gltf["images"]) - 1}
            )
            pbr["baseColorTexture"] = {"index": len(self.gltf["textures"]) - 1}
        entry: dict[str, Any] = {"name": name, "pbrMetallicRoughness": pbr}
        if double_sided:
            entry["doubleSided"] = True
        self.gltf["materials"].append(entry)
        return len(self.gltf["materials"]) - 1

    def mesh(
        self, name: str, boxes: list[tuple[np.ndarray, np.ndarray, int]], top_only: bool = False
    ) -> int:
        """One primitive per (lo, hi, material) box; `top_only` keeps the +y face (with UVs)."""
        primitives = []
        for lo, hi, material in boxes:
            positions, normals, uvs, indices = box_arrays(lo, hi, top_only)
            attributes = {
                "POSITION": self._accessor(positions, "VEC3", ARRAY_BUFFER, bounds=True),
                "NORMAL": self._accessor(normals, "VEC3", ARRAY_BUFFER),
                "TEXCOORD_0": self._accessor(uvs, "VEC2", ARRAY_BUFFER),
            }
            primitives.append(
                {
                    "attributes": attributes,
                    "indices": self._accessor(indices, "SCALAR", ELEMENT_ARRAY_BUFFER),
                    "material": material,
                }
            )
        self.gltf["meshes"].append({"name": name, "primitives": primitives})
        return len(self.gltf["meshes"]) - 1

    def node(self, entry: dict[str, Any], root: bool = True) -> int:
        self.gltf["nodes"].append(entry)
        index = len(self.gltf["nodes"]) - 1
        if root:
            self.gltf["scenes"][0]["nodes"].append(index)
        return index

    def glb(self, scene_extras: dict[str, Any] | None = None) -> bytes:
        if scene_extras:
            self.gltf["scenes"][0]["extras"] = scene_extras
        while len(self.blob) % 4:
            self.blob.append(0)
        self.gltf["buffers"] = [{"byteLength": len(self.blob)}]
        text = json.dumps(self.gltf).encode()
        text += b" " * (-len(text) % 4)
        body = struct.pack("<II", len(text), 0x4E4F534A) + text
        body += struct.pack("<II", len(self.blob), 0x004E4942) + bytes(self.blob)
        return struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body


# Faces: normal, then four corners as (x, y, z) picks of lo (0) / hi (1), counter-clockwise
# seen from outside, starting at the corner that gets uv (0, 1).
_FACES = {
    "+y": ((0, 1, 0), [(0, 1, 1), (1, 1, 1), (1, 1, 0), (0, 1, 0)]),
    "-y": ((0, -1, 0), [(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1)]),
    "+x": ((1, 0, 0), [(1, 0, 1), (1, 0, 0), (1, 1, 0), (1, 1, 1)]),
    "-x": ((-1, 0, 0), [(0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 0)]),
    "+z": ((0, 0, 1), [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]),
    "-z": ((0, 0, -1), [(1, 0, 0), (0, 0, 0), (0, 1, 0), (1, 1, 0)]),
}
_UV = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)


def box_arrays(lo: np.ndarray, hi: np.ndarray, top_only: bool) -> tuple[np.ndarray, ...]:
    names = ["+y"] if top_only else list(_FACES)
    corners = np.stack([lo, hi]).astype(np.float32)
    pick = np.array([_FACES[n][1] for n in names])  # (F, 4, 3)
    positions = corners[pick, np.arange(3)]  # (F, 4, 3)
    normals = np.repeat(np.array([_FACES[n][0] for n in names], np.float32)[:, None], 4, axis=1)
    uvs = np.broadcast_to(_UV, (len(names), 4, 2))
    base = 4 * np.arange(len(names), dtype=np.uint32)[:, None]
    indices = (np.array([0, 1, 2, 0, 2, 3], np.uint32)[None] + base).reshape(-1)
    return (
        positions.reshape(-1, 3).astype(np.float32),
        normals.reshape(-1, 3),
        np.ascontiguousarray(uvs.reshape(-1, 2), dtype=np.float32),
        indices,
    )


def room_glb(book_ids: list[str | None], titles: list[str]) -> bytes:
    """A 6 x 5 m room: floor, back wall, one shelf of books against it, a spawn point
    facing the shelf 2.5 m away. Books stand on the shelf at 1.0-1.24 m."""
    w = GlbWriter()
    floor = w.material("floor", (0.45, 0.3, 0.2, 1))
    wall = w.material("wall", (0.85, 0.8, 0.7, 1))
    wood = w.material("shelf", (0.5, 0.33, 0.18, 1))
    spines = w.material("spines", (1, 1, 1, 1), jpeg((150, 40, 40)))
    shell = w.mesh(
        "shell",
        [
            (np.array([0, -0.05, 0]), np.array([6, 0, 5]), floor),
            (np.array([0, 0, 0]), np.array([6, 3, 0.1]), wall),
            (np.array([1.5, 0.9, 0.1]), np.array([4.5, 1.0, 0.45]), wood),
        ],
    )
    n = len(book_ids)
    x0 = 3.0 - n * 0.05
    boxes = [
        (np.array([x0 + i * 0.1, 1.0, 0.15]), np.array([x0 + i * 0.1 + 0.07, 1.24, 0.35]), spines)
        for i in range(n)
    ]
    books = w.mesh("books", boxes)
    slot_boxes = [v for lo, hi, _ in boxes for v in [*lo.tolist(), *hi.tolist()]]
    children = [
        w.node({"name": "shell", "mesh": shell, "extras": {"kind": "shell"}}, root=False),
        w.node(
            {
                "name": "books:near:0",
                "mesh": books,
                "extras": {
                    "kind": "book_slots",
                    "chunk": "near",
                    "page": 0,
                    "slots": {
                        "count": n,
                        "boxes": slot_boxes,
                        "book_ids": book_ids,
                        "record_ids": [f"rec-{i}" for i in range(n)],
                        "titles": titles,
                    },
                },
            },
            root=False,
        ),
        # Facing north (-z, towards the shelf): identity rotation.
        w.node(
            {"name": "spawn:entrance", "translation": [3.0, 0.0, 2.6], "extras": {"kind": "spawn"}},
            root=False,
        ),
    ]
    w.node({"name": "room:test", "children": children})
    return w.glb({"kind": "room_scene", "title": "Test reading room", "page_image_size": "medium"})


def book_glb(page_w: float = 0.148, page_h: float = 0.21, block: float = 0.01) -> bytes:
    """The five named parts of a book lying open (glTF: y up, spine along z)."""
    w = GlbWriter()
    paper = jpeg((245, 243, 235))
    cloth = w.material("cloth", (0.4, 0.1, 0.1, 1))
    left = w.material("page_left", texture=paper)
    right = w.material("page_right", texture=paper)
    turn = w.material("page_turn", texture=paper, double_sided=True)
    b = 0.0025
    top = 2 * b + block / 2
    h2 = page_h / 2
    parts = [
        (
            "cover",
            w.mesh("cover", [(np.array([-page_w, 0, -h2]), np.array([page_w, b, h2]), cloth)]),
        ),
        ("spine", w.mesh("spine", [(np.array([-0.005, 0, -h2]), np.array([0.005, b, h2]), cloth)])),
        (
            "left_stack",
            w.mesh("left_stack", [(np.array([-page_w, b, -h2]), np.array([0, top, h2]), left)]),
        ),
        (
            "right_stack",
            w.mesh("right_stack", [(np.array([0, b, -h2]), np.array([page_w, top, h2]), right)]),
        ),
        (
            "page",
            w.mesh(
                "page",
                [(np.array([0, top, -h2]), np.array([page_w, top + 0.0002, h2]), turn)],
                top_only=True,
            ),
        ),
    ]
    children = [w.node({"name": name, "mesh": mesh}, root=False) for name, mesh in parts]
    w.node(
        {
            "name": "book",
            "children": children,
            "extras": {"page_width_m": page_w, "page_height_m": page_h, "page_grid": [1, 1]},
        }
    )
    return w.glb()
