"""The one GLB writer: a scene graph in, glTF 2.0 binary out. Every buffer view carries
its target, POSITION accessors their bounds, and extensions the previews cannot load
(KHR_materials_unlit) are only ever *used*, never *required*."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import numpy.typing as npt

from scenes.geometry import Geometry
from scenes.scenegraph import Material, Node, Texture

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
FLOAT = 5126
UNSIGNED_BYTE = 5121
UNSIGNED_SHORT = 5123
UNSIGNED_INT = 5125
LINEAR = 9729
LINEAR_MIPMAP_LINEAR = 9987
CLAMP_TO_EDGE = 33071
UNLIT = "KHR_materials_unlit"
LIGHTS = "KHR_lights_punctual"
GENERATOR = "readingroom scenes"


class _Writer:
    def __init__(self) -> None:
        self.gltf: dict[str, Any] = {
            "asset": {"version": "2.0", "generator": GENERATOR},
            "scene": 0,
            "scenes": [{"nodes": []}],
            "nodes": [],
            "buffers": [],
            "bufferViews": [],
            "accessors": [],
        }
        self.blob = bytearray()
        self.used: set[str] = set()
        self._materials: dict[int, int] = {}
        self._textures: dict[int, int] = {}
        self._lights: list[dict[str, Any]] = []

    def _list(self, key: str) -> list[Any]:
        items: list[Any] = self.gltf.setdefault(key, [])
        return items

    def view(self, data: bytes, target: int | None) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.blob.extend(data)
        self._list("bufferViews").append(view)
        return len(self.gltf["bufferViews"]) - 1

    def accessor(
        self,
        array: npt.NDArray[Any],
        component: int,
        kind: str,
        target: int,
        normalized: bool = False,
        bounds: bool = False,
    ) -> int:
        view = self.view(np.ascontiguousarray(array).tobytes(), target)
        accessor: dict[str, Any] = {
            "bufferView": view,
            "componentType": component,
            "count": int(array.shape[0]),
            "type": kind,
        }
        if normalized:
            accessor["normalized"] = True
        if bounds:
            accessor["min"] = [float(v) for v in array.min(axis=0)]
            accessor["max"] = [float(v) for v in array.max(axis=0)]
        self._list("accessors").append(accessor)
        return len(self.gltf["accessors"]) - 1

    def texture(self, texture: Texture) -> int:
        key = id(texture)
        if key in self._textures:
            return self._textures[key]
        view = self.view(texture.data, None)
        self._list("images").append(
            {"name": texture.name, "bufferView": view, "mimeType": texture.mime_type}
        )
        if not self.gltf.get("samplers"):
            self.gltf["samplers"] = [
                {
                    "magFilter": LINEAR,
                    "minFilter": LINEAR_MIPMAP_LINEAR,
                    "wrapS": CLAMP_TO_EDGE,
                    "wrapT": CLAMP_TO_EDGE,
                }
            ]
        self._list("textures").append({"sampler": 0, "source": len(self.gltf["images"]) - 1})
        index = len(self.gltf["textures"]) - 1
        self._textures[key] = index
        return index

    def material(self, material: Material) -> int:
        key = id(material)
        if key in self._materials:
            return self._materials[key]
        pbr: dict[str, Any] = {
            "baseColorFactor": [round(c, 5) for c in material.color],
            "metallicFactor": material.metallic,
            "roughnessFactor": material.roughness,
        }
        if material.texture is not None:
            pbr["baseColorTexture"] = {"index": self.texture(material.texture)}
        entry: dict[str, Any] = {"name": material.name, "pbrMetallicRoughness": pbr}
        if material.double_sided:
            entry["doubleSided"] = True
        if material.unlit:
            entry["extensions"] = {UNLIT: {}}
            self.used.add(UNLIT)
        self._list("materials").append(entry)
        index = len(self.gltf["materials"]) - 1
        self._materials[key] = index
        return index

    def primitive(self, geometry: Geometry, material: Material) -> dict[str, Any]:
        attributes = {
            "POSITION": self.accessor(geometry.positions, FLOAT, "VEC3", ARRAY_BUFFER, bounds=True),
            "NORMAL": self.accessor(geometry.normals, FLOAT, "VEC3", ARRAY_BUFFER),
        }
        if geometry.uvs is not None:
            attributes["TEXCOORD_0"] = self.accessor(geometry.uvs, FLOAT, "VEC2", ARRAY_BUFFER)
        if geometry.colors is not None:
            attributes["COLOR_0"] = self.accessor(
                geometry.colors, UNSIGNED_BYTE, "VEC4", ARRAY_BUFFER, normalized=True
            )
        small = geometry.vertex_count <= 0xFFFF
        indices = geometry.indices.astype(np.uint16 if small else np.uint32)
        return {
            "attributes": attributes,
            "indices": self.accessor(
                indices, UNSIGNED_SHORT if small else UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER
            ),
            "material": self.material(material),
            "mode": 4,
        }

    def node(self, node: Node) -> int:
        entry: dict[str, Any] = {"name": node.name}
        if node.translation is not None:
            entry["translation"] = [float(v) for v in node.translation]
        if node.rotation is not None:
            entry["rotation"] = [float(v) for v in node.rotation]
        primitives = [self.primitive(g, m) for g, m in node.primitives if g.vertex_count]
        if primitives:
            self._list("meshes").append({"name": node.name, "primitives": primitives})
            entry["mesh"] = len(self.gltf["meshes"]) - 1
        if node.light is not None:
            light: dict[str, Any] = {
                "type": node.light.kind,
                "color": [float(c) for c in node.light.color],
                "intensity": float(node.light.intensity),
            }
            if node.light.range is not None:
                light["range"] = float(node.light.range)
            self._lights.append(light)
            entry["extensions"] = {LIGHTS: {"light": len(self._lights) - 1}}
            self.used.add(LIGHTS)
        if node.extras:
            entry["extras"] = node.extras
        nodes = self.gltf["nodes"]
        nodes.append(entry)
        index = len(nodes) - 1
        children = [self.node(child) for child in node.children]
        if children:
            entry["children"] = children
        return index

    def finish(self, roots: list[Node], extras: dict[str, Any] | None) -> bytes:
        self.gltf["scenes"][0]["nodes"] = [self.node(root) for root in roots]
        if extras:
            self.gltf["scenes"][0]["extras"] = extras
        if self._lights:
            self.gltf.setdefault("extensions", {})[LIGHTS] = {"lights": self._lights}
        if self.used:
            self.gltf["extensionsUsed"] = sorted(self.used)
        while len(self.blob) % 4:
            self.blob.append(0)
        if self.blob:
            self.gltf["buffers"] = [{"byteLength": len(self.blob)}]
        else:
            for key in ("buffers", "bufferViews", "accessors"):
                self.gltf.pop(key, None)
        text = json.dumps(self.gltf, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        text += b" " * (-len(text) % 4)
        chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
        if self.blob:
            chunks += struct.pack("<II", len(self.blob), 0x004E4942) + bytes(self.blob)
        return struct.pack("<III", 0x46546C67, 2, 12 + len(chunks)) + chunks


def write_glb(roots: list[Node], extras: dict[str, Any] | None = None) -> bytes:
    """Serialise `roots` (one scene) to GLB bytes; `extras` describe the scene."""
    return _Writer().finish(roots, extras)
