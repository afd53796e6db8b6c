"""Small procedural meshes built from numpy arrays in one copy each (no per-vertex Python):
page marks, avatar heads and hands, controller rays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from panda3d.core import Geom, GeomNode, GeomTriangles, GeomVertexData, GeomVertexFormat

VERTEX = np.dtype([("position", "<f4", (3,)), ("color", "u1", (4,))])


def triangles_node(
    name: str,
    positions: npt.ArrayLike,
    colors: npt.ArrayLike,
    triangles: npt.ArrayLike,
) -> GeomNode:
    """A GeomNode of triangles: positions (N, 3), colors (N, 4) as 0..1 floats or bytes,
    indices (M, 3)."""
    pos = np.asarray(positions, dtype=np.float32).reshape(-1, 3)
    raw = np.asarray(colors)
    if raw.dtype != np.uint8:  # 0..1 floats
        raw = np.clip(raw.astype(np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    rgba = raw.reshape(-1, 4)
    index = np.asarray(triangles, dtype=np.uint32).reshape(-1)
    node = GeomNode(name)
    if len(pos) == 0 or len(index) == 0:
        return node
    vertices = np.empty(len(pos), dtype=VERTEX)
    vertices["position"] = pos
    vertices["color"] = rgba
    data = GeomVertexData(name, GeomVertexFormat.getV3c4(), Geom.UHStatic)
    data.uncleanSetNumRows(len(pos))
    memoryview(data.modifyArray(0)).cast("B")[:] = vertices.tobytes()
    prim = GeomTriangles(Geom.UHStatic)
    prim.setIndexType(Geom.NTUint32)
    handle = prim.modifyVertices()
    handle.uncleanSetNumRows(len(index))
    memoryview(handle).cast("B")[:] = index.tobytes()
    geom = Geom(data)
    geom.addPrimitive(prim)
    node.addGeom(geom)
    return node


def box(
    center: npt.ArrayLike, size: npt.ArrayLike
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint32]]:
    """Corners (8, 3) and triangles (12, 3) of an axis-aligned box, outward-facing."""
    c = np.asarray(center, dtype=np.float32)
    half = np.asarray(size, dtype=np.float32) / 2
    signs = np.array(
        [
            [-1, -1, -1],
            [1, -1, -1],
            [1, 1, -1],
            [-1, 1, -1],
            [-1, -1, 1],
            [1, -1, 1],
            [1, 1, 1],
            [-1, 1, 1],
        ],
        dtype=np.float32,
    )
    faces = np.array(
        [
            [0, 2, 1],
            [0, 3, 2],
            [4, 5, 6],
            [4, 6, 7],
            [0, 1, 5],
            [0, 5, 4],
            [1, 2, 6],
            [1, 6, 5],
            [2, 3, 7],
            [2, 7, 6],
            [3, 0, 4],
            [3, 4, 7],
        ],
        dtype=np.uint32,
    )
    corners: npt.NDArray[np.float32] = (c + signs * half).astype(np.float32)
    return corners, faces
