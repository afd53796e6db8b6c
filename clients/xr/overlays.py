"""Others' highlights and ink drawn on the open book's pages. A page's marks are rebuilt
only when the session gives that page a new `PageMarks` (see `marks.MarksReader`); the
geometry is built with numpy in page units and laid on the page face by `BookView`'s
overlay nodes, where (u, v) in 0..1 is the page with v running down."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from panda3d.core import NodePath, TransparencyAttrib

from clients.xr.book import BookView
from clients.xr.marks import PageMarks
from clients.xr.meshes import triangles_node

QUAD = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
INK_LIFT = 0.0002  # metres above the highlights


def _quads(corners: npt.NDArray[np.float32]) -> npt.NDArray[np.uint32]:
    """Triangles for (Q, 4, ...) quads stored corner after corner."""
    return (QUAD[None, :, :] + 4 * np.arange(len(corners), dtype=np.uint32)[:, None, None]).reshape(
        -1, 3
    )


def highlight_geometry(marks: PageMarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not marks.highlights:
        return np.zeros((0, 3), np.float32), np.zeros((0, 4)), np.zeros((0, 3), np.uint32)
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
    colors = np.repeat(np.array([h.color for h in marks.highlights]), 4, axis=0)
    return corners.reshape(-1, 3), colors, _quads(corners)


def ink_geometry(
    marks: PageMarks, page_width: float, page_height: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ribbons of each stroke's width (a fraction of the page width), in page units."""
    strokes = [s for s in marks.strokes if len(s.points)]
    if not strokes:
        return np.zeros((0, 3), np.float32), np.zeros((0, 4)), np.zeros((0, 3), np.uint32)
    scale = np.array([page_width, page_height], dtype=np.float64)
    # A single point becomes a dot: a short segment of its own width.
    points = [
        s.points
        if len(s.points) > 1
        else np.concatenate([s.points, s.points + np.array([1e-4, 0.0], np.float32)])
        for s in strokes
    ]
    lengths = np.array([len(p) for p in points])
    metres = np.concatenate(points).astype(np.float64) * scale
    owner = np.repeat(np.arange(len(strokes)), lengths)
    same = owner[:-1] == owner[1:]
    a, b = metres[:-1][same], metres[1:][same]
    seg_owner = owner[:-1][same]
    d = b - a
    length = np.linalg.norm(d, axis=1, keepdims=True)
    d = np.where(length > 1e-9, d / np.maximum(length, 1e-9), [1.0, 0.0])
    half = (np.array([s.width for s in strokes]) * page_width / 2)[seg_owner][:, None]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) * half
    along = d * half  # extend each end by half a width: round-ish joints without gaps
    corners2d = np.stack(
        [a - along + normal, a - along - normal, b + along - normal, b + along + normal], 1
    )
    corners2d = corners2d / scale
    corners = np.concatenate(
        [corners2d, np.full((*corners2d.shape[:2], 1), INK_LIFT)], axis=2
    ).astype(np.float32)
    colors = np.repeat(np.array([s.color for s in strokes])[seg_owner], 4, axis=0)
    return corners.reshape(-1, 3), colors, _quads(corners)


class PageOverlays:
    def __init__(self, book: BookView) -> None:
        self._book = book
        self._shown: dict[str, tuple[int | None, PageMarks | None]] = {}
        self._nodes: dict[str, NodePath] = {}

    def update(self, marks: dict[tuple[str, int], PageMarks]) -> None:
        left, right = self._book.visible_pages()
        for side, page in (("left", left), ("right", right)):
            current = marks.get((self._book.manifest.id, page)) if page is not None else None
            if self._shown.get(side) == (page, current):
                continue
            self._shown[side] = (page, current)
            old = self._nodes.pop(side, None)
            if old is not None:
                old.removeNode()
            if current is not None:
                self._nodes[side] = self._draw(side, current)

    def _draw(self, side: str, marks: PageMarks) -> NodePath:
        parent = self._book.overlays[side]
        hp, hc, ht = highlight_geometry(marks)
        ip, ic, it = ink_geometry(marks, self._book.page_width, self._book.page_height)
        positions = np.concatenate([hp, ip])
        colors = np.concatenate([hc, ic])
        triangles = np.concatenate([ht, it + len(hp)])
        node = parent.attachNewNode(triangles_node(f"marks:{side}", positions, colors, triangles))
        node.setTwoSided(True)
        node.setTransparency(TransparencyAttrib.MAlpha)
        node.setDepthWrite(False)
        node.setBin("fixed", 10)
        return node
