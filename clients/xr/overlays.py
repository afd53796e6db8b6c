"""Others' highlights and ink drawn on the open book's pages. A page's marks are redrawn
only when the session gives that page a new `PageMarks` (see `marks.MarksReader`), and
then only the strokes that changed are recomputed: a stroke keeps its object while
unchanged, so its ribbon is cached by identity. Geometry is built with numpy in page units
and laid on the page face by `BookView`'s overlay nodes, where (u, v) in 0..1 is the page
with v running down. One node per page face: one draw call however much ink there is."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from panda3d.core import NodePath, TransparencyAttrib

from clients.xr.book import BookView
from clients.xr.marks import PageMarks, Stroke
from clients.xr.meshes import triangles_node

Floats = npt.NDArray[np.float32]
Bytes = npt.NDArray[np.uint8]
QUAD = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
INK_LIFT = 0.0002  # metres above the highlights
EMPTY: tuple[Floats, Bytes] = (np.zeros((0, 3), np.float32), np.zeros((0, 4), np.uint8))


def quad_triangles(quads: int) -> npt.NDArray[np.uint32]:
    """Triangles for `quads` quads stored corner after corner."""
    return (QUAD[None] + 4 * np.arange(quads, dtype=np.uint32)[:, None, None]).reshape(-1, 3)


def _rgba8(color: tuple[float, float, float, float]) -> Bytes:
    rgba: Bytes = np.clip(np.rint(np.asarray(color) * 255), 0, 255).astype(np.uint8)
    return rgba


def highlight_geometry(marks: PageMarks) -> tuple[Floats, Bytes]:
    """Corners (4 per highlight, page units) and their colours."""
    if not marks.highlights:
        return EMPTY
    rects = np.array([(h.x, h.y, h.w, h.h) for h in marks.highlights], dtype=np.float32)
    x0, y0 = rects[:, 0], rects[:, 1]
    x1, y1 = x0 + rects[:, 2], y0 + rects[:, 3]
    zeros = np.zeros_like(x0)
    corners = np.stack(
        [
            np.stack([x0, y0, zeros], 1),
            np.stack([x1, y0, zeros], 1),
            np.stack([x1, y1, zeros], 1),
            np.stack([x0, y1, zeros], 1),
        ],
        axis=1,
    )
    colors = np.repeat(np.array([_rgba8(h.color) for h in marks.highlights]), 4, axis=0)
    return corners.reshape(-1, 3), colors


def stroke_ribbon(stroke: Stroke, page_width: float, page_height: float) -> tuple[Floats, Bytes]:
    """A stroke as a ribbon of its width (a fraction of the page width): one quad per
    segment, each reaching half a width past its ends so joints have no gaps."""
    points = stroke.points
    if len(points) == 1:  # a dot: a short segment of its own width
        points = np.concatenate([points, points + np.array([1e-4, 0.0], np.float32)])
    scale = np.array([page_width, page_height])
    metres = points.astype(np.float64) * scale
    a, b = metres[:-1], metres[1:]
    d = b - a
    length = np.linalg.norm(d, axis=1, keepdims=True)
    d = np.where(length > 1e-9, d / np.maximum(length, 1e-9), [1.0, 0.0])
    half = stroke.width * page_width / 2
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) * half
    along = d * half
    corners = np.stack(
        [a - along + normal, a - along - normal, b + along - normal, b + along + normal], 1
    )
    corners /= scale
    positions = np.empty((*corners.shape[:2], 3), np.float32)
    positions[..., :2] = corners
    positions[..., 2] = INK_LIFT
    colors = np.broadcast_to(_rgba8(stroke.color), (positions.shape[0] * 4, 4))
    return positions.reshape(-1, 3), colors


class PageOverlays:
    def __init__(self, book: BookView) -> None:
        self._book = book
        self._shown: dict[str, tuple[int | None, PageMarks | None]] = {}
        self._nodes: dict[str, NodePath] = {}
        self._ribbons: dict[int, tuple[Stroke, tuple[Floats, Bytes]]] = {}

    def update(self, marks: dict[tuple[str, int], PageMarks]) -> None:
        left, right = self._book.visible_pages()
        for side, page in (("left", left), ("right", right)):
            current = marks.get((self._book.manifest.id, page)) if page is not None else None
            shown = self._shown.get(side)
            if shown is not None and shown[0] == page and shown[1] is current:
                continue
            self._shown[side] = (page, current)
            old = self._nodes.pop(side, None)
            if old is not None:
                old.removeNode()
            if current is not None:
                self._nodes[side] = self._draw(side, current)
        self._forget_unshown()

    def _ribbon(self, stroke: Stroke) -> tuple[Floats, Bytes]:
        cached = self._ribbons.get(id(stroke))
        if cached is None or cached[0] is not stroke:
            cached = (stroke, stroke_ribbon(stroke, self._book.page_width, self._book.page_height))
            self._ribbons[id(stroke)] = cached
        return cached[1]

    def _forget_unshown(self) -> None:
        keep = {id(s) for _, m in self._shown.values() if m is not None for s in m.strokes}
        for key in [k for k in self._ribbons if k not in keep]:
            del self._ribbons[key]

    def _draw(self, side: str, marks: PageMarks) -> NodePath:
        parts = [highlight_geometry(marks)] + [
            self._ribbon(s) for s in marks.strokes if len(s.points)
        ]
        positions = np.concatenate([p for p, _ in parts])
        colors = np.concatenate([c for _, c in parts])
        node = triangles_node(
            f"marks:{side}", positions, colors, quad_triangles(len(positions) // 4)
        )
        path = self._book.overlays[side].attachNewNode(node)
        path.setTwoSided(True)
        path.setTransparency(TransparencyAttrib.MAlpha)
        path.setDepthWrite(False)
        path.setBin("fixed", 10)
        return path
