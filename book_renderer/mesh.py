"""Book geometry as numpy arrays: boxes with per-face normals and UVs, and the subdivided
page clients bend into a page curl. No per-vertex Python loops: every vertex comes out of a
table lookup or a broadcast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Indices = npt.NDArray[np.uint32]

# Faces of an axis-aligned box: (start corner as min/max per axis, edge U, edge V) with
# U x V pointing outward, so (0,0) (1,0) (1,1) (0,1) is counter-clockwise seen from outside.
FACE_NAMES = ("+x", "-x", "+y", "-y", "+z", "-z")
_START = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 1], [0, 0, 0], [0, 0, 1], [1, 0, 0]], np.float32)
_U = np.array([[0, 0, -1], [0, 0, 1], [1, 0, 0], [1, 0, 0], [1, 0, 0], [-1, 0, 0]], np.float32)
_V = np.array([[0, 1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1], [0, 1, 0], [0, 1, 0]], np.float32)
_QUAD_ST = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
_QUAD_TRIANGLES = np.array([0, 1, 2, 0, 2, 3], np.uint32)


@dataclass(frozen=True)
class Surface:
    """Triangles sharing one material: what becomes one glTF primitive."""

    material: str
    positions: Floats
    normals: Floats
    indices: Indices
    uvs: Floats | None = None

    def __post_init__(self) -> None:
        count = len(self.positions)
        assert self.normals.shape == (count, 3)
        assert self.uvs is None or self.uvs.shape == (count, 2)
        assert self.indices.max(initial=0) < count


def box_faces(
    lo: tuple[float, float, float],
    hi: tuple[float, float, float],
    faces: tuple[str, ...],
    material: str,
    uv_flip: tuple[bool, bool] = (False, True),
    with_uvs: bool = False,
) -> Surface:
    """The named faces of the box [lo, hi] as one surface. UVs run 0..1 across each face, with
    v = 0 at the face's V end by default (glTF images start at the top)."""
    chosen = np.array([FACE_NAMES.index(name) for name in faces])
    low, size = np.asarray(lo, np.float32), np.asarray(hi, np.float32) - np.asarray(lo, np.float32)
    start = low + _START[chosen] * size  # (F, 3)
    u_edge, v_edge = _U[chosen] * size, _V[chosen] * size
    st = _QUAD_ST[None, :, :]  # (1, 4, 2)
    positions = (
        start[:, None, :] + st[..., :1] * u_edge[:, None, :] + st[..., 1:] * v_edge[:, None, :]
    )
    normal = np.cross(_U[chosen], _V[chosen]).astype(np.float32)
    normals = np.repeat(normal[:, None, :], 4, axis=1)
    indices = _QUAD_TRIANGLES[None, :] + 4 * np.arange(len(chosen), dtype=np.uint32)[:, None]
    uvs = None
    if with_uvs:
        uv = np.broadcast_to(_QUAD_ST, (len(chosen), 4, 2)).copy()
        if uv_flip[0]:
            uv[..., 0] = 1.0 - uv[..., 0]
        if uv_flip[1]:
            uv[..., 1] = 1.0 - uv[..., 1]
        uvs = uv.reshape(-1, 2).astype(np.float32)
    return Surface(
        material,
        positions.reshape(-1, 3).astype(np.float32),
        normals.reshape(-1, 3),
        indices.reshape(-1).astype(np.uint32),
        uvs,
    )


def rotate_uvs(surface: Surface) -> Surface:
    """Swap u and v (a quarter turn of the texture), for text that runs along a long face."""
    assert surface.uvs is not None
    return Surface(
        surface.material,
        surface.positions,
        surface.normals,
        surface.indices,
        np.ascontiguousarray(surface.uvs[:, ::-1]),
    )


def page_grid(
    width: float, height: float, y: float, columns: int, rows: int, material: str
) -> Surface:
    """A flat page, hinge at x = 0, lying on y, subdivided columns x rows so a client can bend
    it into a curl by moving vertices. UV (0,0) is the page's top-left corner."""
    u = np.linspace(0.0, 1.0, columns + 1, dtype=np.float32)
    v = np.linspace(0.0, 1.0, rows + 1, dtype=np.float32)
    uu, vv = np.meshgrid(u, v)  # (rows+1, columns+1)
    positions = np.stack(
        [uu * width, np.full_like(uu, y), vv * height - height / 2.0], axis=-1
    ).reshape(-1, 3)
    normals = np.tile(np.array([0.0, 1.0, 0.0], np.float32), (len(positions), 1))
    uvs = np.stack([uu, vv], axis=-1).reshape(-1, 2)
    stride = columns + 1
    r, c = np.meshgrid(
        np.arange(rows, dtype=np.uint32), np.arange(columns, dtype=np.uint32), indexing="ij"
    )
    top_left = (r * stride + c).reshape(-1)
    bottom_left = top_left + stride
    # Counter-clockwise seen from +y (above): top-left, bottom-left, bottom-right, top-right.
    quads = np.stack([top_left, bottom_left, bottom_left + 1, top_left + 1], axis=-1)
    indices = quads[:, [0, 1, 2, 0, 2, 3]].reshape(-1)
    return Surface(
        material,
        positions.astype(np.float32),
        normals,
        indices.astype(np.uint32),
        uvs.astype(np.float32),
    )
