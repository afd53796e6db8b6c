"""Geometry as numpy arrays: boxes, quads and merged primitives. Every function works on
many items at once; nothing loops over vertices in Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]

# Unit-cube faces, corners counter-clockwise seen from outside, ordered
# bottom-left, bottom-right, top-right, top-left as a viewer outside sees them.
FACE_FRONT, FACE_TOP, FACE_LEFT, FACE_RIGHT, FACE_BACK, FACE_BOTTOM = range(6)
CUBE_CORNERS = np.array(
    [
        [[-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]],  # front +z
        [[-1, 1, 1], [1, 1, 1], [1, 1, -1], [-1, 1, -1]],  # top +y
        [[-1, -1, -1], [-1, -1, 1], [-1, 1, 1], [-1, 1, -1]],  # left -x
        [[1, -1, 1], [1, -1, -1], [1, 1, -1], [1, 1, 1]],  # right +x
        [[1, -1, -1], [-1, -1, -1], [-1, 1, -1], [1, 1, -1]],  # back -z
        [[-1, -1, -1], [1, -1, -1], [1, -1, 1], [-1, -1, 1]],  # bottom -y
    ],
    dtype=np.float64,
)
CUBE_NORMALS = np.array(
    [[0, 0, 1], [0, 1, 0], [-1, 0, 0], [1, 0, 0], [0, 0, -1], [0, -1, 0]], dtype=np.float64
)
QUAD_TRIANGLES = np.array([0, 1, 2, 0, 2, 3], dtype=np.uint32)


@dataclass(slots=True)
class Geometry:
    """One primitive's vertex data; optional columns are all-or-nothing when merged."""

    positions: F32
    normals: F32
    indices: U32
    uvs: F32 | None = None
    colors: U8 | None = None

    @property
    def vertex_count(self) -> int:
        return int(self.positions.shape[0])

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0] // 3)

    @staticmethod
    def merge(parts: Sequence[Geometry]) -> Geometry:
        parts = [p for p in parts if p.vertex_count]
        if not parts:
            return empty_geometry()
        offsets = np.cumsum([0] + [p.vertex_count for p in parts[:-1]]).astype(np.uint32)
        indices = np.concatenate([p.indices + o for p, o in zip(parts, offsets, strict=True)])

        def column(name: str) -> npt.NDArray[np.generic] | None:
            values = [getattr(p, name) for p in parts]
            if any(v is None for v in values):
                return None
            return np.concatenate(values)

        return Geometry(
            positions=np.concatenate([p.positions for p in parts]),
            normals=np.concatenate([p.normals for p in parts]),
            indices=indices,
            uvs=column("uvs"),  # type: ignore[arg-type]
            colors=column("colors"),  # type: ignore[arg-type]
        )


def empty_geometry() -> Geometry:
    return Geometry(
        np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32), np.zeros(0, np.uint32)
    )


def _face_indices(count: int) -> U32:
    """Two triangles per quad for `count` quads laid out four vertices apart."""
    base = (np.arange(count, dtype=np.uint32) * 4)[:, None]
    return (base + QUAD_TRIANGLES[None, :]).reshape(-1).astype(np.uint32)


def boxes(
    centers: F64,
    sizes: F64,
    faces: Sequence[int] = (0, 1, 2, 3, 4, 5),
) -> Geometry:
    """Axis-aligned boxes, `faces` of each (drop the ones nobody sees)."""
    n = len(centers)
    face_ids = np.asarray(faces, dtype=np.int64)
    corners = CUBE_CORNERS[face_ids]  # (F, 4, 3)
    half = np.asarray(sizes, dtype=np.float64) / 2
    pos = corners[None] * half[:, None, None, :] + np.asarray(centers)[:, None, None, :]
    normals = np.broadcast_to(CUBE_NORMALS[face_ids][None, :, None, :], pos.shape)
    return Geometry(
        positions=pos.reshape(-1, 3).astype(np.float32),
        normals=normals.reshape(-1, 3).astype(np.float32),
        indices=_face_indices(n * len(face_ids)),
    )


def oriented_boxes(
    centers: F64,
    sizes: F64,
    along: F64,
    out: F64,
    faces: Sequence[int],
) -> tuple[Geometry, F64]:
    """Boxes whose local x runs `along`, y up and z `out` (per box unit vectors): the
    frame of a book on a shelf. Returns the geometry and each vertex's local corner
    (for UVs and shading), shaped (N, F, 4, 3)."""
    n = len(centers)
    face_ids = np.asarray(faces, dtype=np.int64)
    local = np.broadcast_to(CUBE_CORNERS[face_ids][None], (n, len(face_ids), 4, 3))
    half = sizes / 2
    scaled = local * half[:, None, None, :]
    up = np.array([0.0, 1.0, 0.0])
    world = (
        centers[:, None, None, :]
        + scaled[..., 0:1] * along[:, None, None, :]
        + scaled[..., 1:2] * up
        + scaled[..., 2:3] * out[:, None, None, :]
    )
    ln = CUBE_NORMALS[face_ids]  # (F, 3)
    normals = (
        ln[None, :, None, 0:1] * along[:, None, None, :]
        + ln[None, :, None, 1:2] * up
        + ln[None, :, None, 2:3] * out[:, None, None, :]
    )
    normals = np.broadcast_to(normals, world.shape)
    geometry = Geometry(
        positions=world.reshape(-1, 3).astype(np.float32),
        normals=normals.reshape(-1, 3).astype(np.float32),
        indices=_face_indices(n * len(face_ids)),
    )
    return geometry, local


def quad(corners: F64, normal: F64, uv: bool = False) -> Geometry:
    """One quad from four corners given counter-clockwise as seen from its front."""
    geometry = Geometry(
        positions=np.asarray(corners, dtype=np.float32),
        normals=np.tile(np.asarray(normal, dtype=np.float32), (4, 1)),
        indices=QUAD_TRIANGLES.copy(),
    )
    if uv:
        geometry.uvs = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], dtype=np.float32)
    return geometry


def srgb_to_linear(values: F64) -> F64:
    """glTF colour factors are linear; our palettes are sRGB."""
    v = np.asarray(values, dtype=np.float64)
    out: F64 = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return out
