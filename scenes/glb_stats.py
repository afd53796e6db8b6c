"""What a GLB costs a client, read back from the file itself (not from our builder's
bookkeeping): draw calls = primitives of every mesh instance in the scene's node tree,
triangles, and resident texture memory. Used by the tests and the benchmarks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pygltflib
from PIL import Image

TRIANGLES = 4


@dataclass(frozen=True, slots=True)
class GlbStats:
    draw_calls: int
    triangles: int
    texture_bytes: int
    """RGBA8 with a full mip chain for every image."""
    nodes: int
    glb_bytes: int


def load(glb: bytes) -> pygltflib.GLTF2:
    return pygltflib.GLTF2.load_from_bytes(glb)


def _instances(gltf: pygltflib.GLTF2) -> list[int]:
    """Node indices reached from the default scene, each time it is reached."""
    scene = gltf.scenes[gltf.scene or 0]
    out: list[int] = []
    stack = list(reversed(scene.nodes or []))
    while stack:
        index = stack.pop()
        out.append(index)
        stack.extend(reversed(gltf.nodes[index].children or []))
    return out


def glb_stats(glb: bytes) -> GlbStats:
    gltf = load(glb)
    draw_calls = triangles = 0
    nodes = _instances(gltf)
    for index in nodes:
        mesh_index = gltf.nodes[index].mesh
        if mesh_index is None:
            continue
        for primitive in gltf.meshes[mesh_index].primitives:
            draw_calls += 1
            mode = TRIANGLES if primitive.mode is None else primitive.mode
            if mode != TRIANGLES:
                continue
            if primitive.indices is not None:
                triangles += gltf.accessors[primitive.indices].count // 3
            else:
                triangles += gltf.accessors[primitive.attributes.POSITION].count // 3
    blob = gltf.binary_blob() or b""
    texture_bytes = 0
    for image in gltf.images or []:
        if image.bufferView is None:
            continue
        view = gltf.bufferViews[image.bufferView]
        start = view.byteOffset or 0
        with Image.open(io.BytesIO(blob[start : start + view.byteLength])) as decoded:
            width, height = decoded.size
        texture_bytes += width * height * 4 * 4 // 3
    return GlbStats(draw_calls, triangles, texture_bytes, len(nodes), len(glb))


def extras_by_name(glb: bytes) -> dict[str, dict[str, Any]]:
    """Every named node's extras, keyed by node name."""
    gltf = load(glb)
    return {node.name: dict(node.extras or {}) for node in gltf.nodes if node.name}
