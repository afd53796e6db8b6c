"""The one place readingroom writes glTF binary for books: surfaces, materials and textures in,
GLB bytes out, clean under Khronos gltf-validator (0 errors, 0 warnings, every buffer view
with its target). Unlit materials name KHR_materials_unlit in `extensionsUsed` only, never
in `extensionsRequired`, so loaders without it (panda3d-gltf) still open the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pygltflib

from book_renderer.mesh import Surface

UNLIT = "KHR_materials_unlit"
_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_FLOAT = 5126
_UNSIGNED_SHORT = 5123
_UNSIGNED_INT = 5125
_LINEAR = 9729
_LINEAR_MIPMAP_LINEAR = 9987
_CLAMP_TO_EDGE = 33071


@dataclass(frozen=True)
class MaterialSpec:
    name: str
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    texture: str | None = None  # a key of the textures given to write_glb
    unlit: bool = False
    double_sided: bool = False
    roughness: float = 0.9


@dataclass(frozen=True)
class NodeSpec:
    name: str
    surfaces: tuple[Surface, ...]
    extras: dict[str, Any] = field(default_factory=dict)


class _Blob:
    """The binary chunk: arrays appended 4-byte aligned, one buffer view each."""

    def __init__(self, gltf: pygltflib.GLTF2) -> None:
        self.gltf = gltf
        self.parts: list[bytes] = []
        self.length = 0

    def view(self, data: bytes, target: int | None) -> int:
        self.gltf.bufferViews.append(
            pygltflib.BufferView(
                buffer=0, byteOffset=self.length, byteLength=len(data), target=target
            )
        )
        padded = data + b"\x00" * (-len(data) % 4)
        self.parts.append(padded)
        self.length += len(padded)
        return len(self.gltf.bufferViews) - 1

    def accessor(
        self, array: npt.NDArray[Any], kind: str, *, indices: bool = False, bounds: bool = False
    ) -> int:
        if indices:
            small = int(array.max(initial=0)) < 65535
            array = array.astype(np.uint16 if small else np.uint32)
            component = _UNSIGNED_SHORT if small else _UNSIGNED_INT
        else:
            array = array.astype(np.float32)
            component = _FLOAT
        view = self.view(
            np.ascontiguousarray(array).tobytes(),
            _ELEMENT_ARRAY_BUFFER if indices else _ARRAY_BUFFER,
        )
        accessor = pygltflib.Accessor(
            bufferView=view, componentType=component, count=len(array), type=kind
        )
        if bounds:
            accessor.min = [float(v) for v in array.min(axis=0)]
            accessor.max = [float(v) for v in array.max(axis=0)]
        self.gltf.accessors.append(accessor)
        return len(self.gltf.accessors) - 1


def _material(spec: MaterialSpec, texture_index: int | None) -> pygltflib.Material:
    pbr = pygltflib.PbrMetallicRoughness(
        baseColorFactor=list(spec.base_color),
        metallicFactor=0.0,
        roughnessFactor=spec.roughness,
        baseColorTexture=pygltflib.TextureInfo(index=texture_index)
        if texture_index is not None
        else None,
    )
    return pygltflib.Material(
        name=spec.name,
        pbrMetallicRoughness=pbr,
        doubleSided=spec.double_sided,
        alphaCutoff=None,
        emissiveFactor=None,
        extensions={UNLIT: {}} if spec.unlit else {},
    )


def write_glb(
    nodes: list[NodeSpec],
    materials: list[MaterialSpec],
    textures: dict[str, bytes],
    *,
    root: str,
    extras: dict[str, Any] | None = None,
) -> bytes:
    """`textures` are JPEG bytes by name; every material and texture given must be used."""
    gltf = pygltflib.GLTF2(
        asset=pygltflib.Asset(version="2.0", generator="readingroom book_renderer")
    )
    blob = _Blob(gltf)
    texture_index: dict[str, int] = {}
    if textures:
        gltf.samplers.append(
            pygltflib.Sampler(
                magFilter=_LINEAR,
                minFilter=_LINEAR_MIPMAP_LINEAR,
                wrapS=_CLAMP_TO_EDGE,
                wrapT=_CLAMP_TO_EDGE,
            )
        )
    for name, jpeg in textures.items():
        gltf.images.append(
            pygltflib.Image(name=name, mimeType="image/jpeg", bufferView=blob.view(jpeg, None))
        )
        gltf.textures.append(pygltflib.Texture(sampler=0, source=len(gltf.images) - 1))
        texture_index[name] = len(gltf.textures) - 1
    material_index = {}
    for spec in materials:
        gltf.materials.append(
            _material(spec, texture_index[spec.texture] if spec.texture is not None else None)
        )
        material_index[spec.name] = len(gltf.materials) - 1
    if any(spec.unlit for spec in materials):
        gltf.extensionsUsed = [UNLIT]
    children = []
    for node in nodes:
        primitives = []
        for surface in node.surfaces:
            attributes = pygltflib.Attributes(
                POSITION=blob.accessor(surface.positions, "VEC3", bounds=True),
                NORMAL=blob.accessor(surface.normals, "VEC3"),
            )
            if surface.uvs is not None:
                attributes.TEXCOORD_0 = blob.accessor(surface.uvs, "VEC2")
            primitives.append(
                pygltflib.Primitive(
                    attributes=attributes,
                    indices=blob.accessor(surface.indices, "SCALAR", indices=True),
                    material=material_index[surface.material],
                    mode=pygltflib.TRIANGLES,
                )
            )
        gltf.meshes.append(pygltflib.Mesh(name=node.name, primitives=primitives))
        gltf.nodes.append(
            pygltflib.Node(name=node.name, mesh=len(gltf.meshes) - 1, extras=node.extras or {})
        )
        children.append(len(gltf.nodes) - 1)
    gltf.nodes.append(pygltflib.Node(name=root, children=children, extras=extras or {}))
    gltf.scenes.append(pygltflib.Scene(name=root, nodes=[len(gltf.nodes) - 1]))
    gltf.scene = 0
    binary = b"".join(blob.parts)
    gltf.buffers.append(pygltflib.Buffer(byteLength=len(binary)))
    gltf.set_binary_blob(binary)
    return b"".join(gltf.save_to_bytes())
