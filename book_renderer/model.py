"""The 3D book: dimensions from the pages and the paper, and the five named parts clients
look for. The book lies open on the XZ plane (glTF: Y up, metres), spine along Z under the
gutter, as a reader sees it on a desk:

- `cover`: both boards; the front board's outer face carries page 1
- `spine`: the strip under the gutter; its outer face carries the title
- `left_stack` / `right_stack`: the pages read and still to read; their top faces are unlit
  page faces, split half and half (clients scale them by the reading position)
- `page`: one page, 24 x 16 quads with UVs, hinged at x = 0 on the right stack, unlit and
  double-sided, for a client-side page curl

Page images are not baked in: the book manifest lists them for streaming.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from book_renderer.glb import MaterialSpec, NodeSpec, write_glb
from book_renderer.mesh import Surface, box_faces, page_grid, rotate_uvs

PAGE_GRID = (24, 16)
PAPER_MM = 0.1  # caliper of one leaf of 80 g/m2 book paper
BOARD_MM = 2.5
OVERHANG_MM = 3.0
MIN_BLOCK_MM = 0.5
_LIFT_MM = 0.2

MATERIALS = [
    MaterialSpec("cloth", base_color=(0.42, 0.09, 0.10, 1.0), roughness=0.85),
    MaterialSpec("cover", texture="cover", roughness=0.7),
    MaterialSpec("spine_title", texture="spine", roughness=0.85),
    MaterialSpec("page_edge", base_color=(0.93, 0.91, 0.86, 1.0), roughness=0.95),
    MaterialSpec("page_left", texture="paper", unlit=True),
    MaterialSpec("page_right", texture="paper", unlit=True),
    MaterialSpec("page_turn", texture="paper", unlit=True, double_sided=True),
]


@dataclass(frozen=True, slots=True)
class BookModelSpec:
    title: str
    page_count: int
    page_width_mm: float
    page_height_mm: float
    paper_mm: float = PAPER_MM


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Metres."""

    page_width: float
    page_height: float
    block: float
    board: float
    overhang: float

    @property
    def spine_width(self) -> float:
        return self.block + 2 * self.board


def dimensions(spec: BookModelSpec) -> Dimensions:
    leaves = math.ceil(spec.page_count / 2)
    return Dimensions(
        page_width=spec.page_width_mm / 1000.0,
        page_height=spec.page_height_mm / 1000.0,
        block=max(leaves * spec.paper_mm, MIN_BLOCK_MM) / 1000.0,
        board=BOARD_MM / 1000.0,
        overhang=OVERHANG_MM / 1000.0,
    )


def merge(material: str, surfaces: list[Surface]) -> Surface:
    offsets = np.cumsum([0] + [len(s.positions) for s in surfaces[:-1]]).astype(np.uint32)
    uvs = [s.uvs for s in surfaces]
    return Surface(
        material,
        np.concatenate([s.positions for s in surfaces]),
        np.concatenate([s.normals for s in surfaces]),
        np.concatenate([s.indices + offset for s, offset in zip(surfaces, offsets, strict=True)]),
        np.concatenate([u for u in uvs if u is not None])
        if all(u is not None for u in uvs)
        else None,
    )


def book_nodes(dims: Dimensions) -> list[NodeSpec]:
    w, h, b, o = dims.page_width, dims.page_height, dims.board, dims.overhang
    half_block = dims.block / 2
    s2 = dims.spine_width / 2
    board_z = (-(h / 2 + o), h / 2 + o)
    stack_top = 2 * b + half_block
    cloth_sides = ("+x", "-x", "+y", "+z", "-z")
    cover = [
        merge(
            "cloth",
            [
                box_faces(
                    (-(w + o), b, board_z[0]), (0.0, 2 * b, board_z[1]), cloth_sides, "cloth"
                ),
                box_faces(
                    (0.0, b, board_z[0]),
                    (w + o, 2 * b, board_z[1]),
                    ("+x", "-x", "+y", "-y", "+z", "-z"),
                    "cloth",
                ),
            ],
        ),
        box_faces(
            (-(w + o), b, board_z[0]),
            (0.0, 2 * b, board_z[1]),
            ("-y",),
            "cover",
            uv_flip=(True, False),
            with_uvs=True,
        ),
    ]
    spine = [
        box_faces((-s2, 0.0, board_z[0]), (s2, b, board_z[1]), cloth_sides, "cloth"),
        rotate_uvs(
            box_faces(
                (-s2, 0.0, board_z[0]),
                (s2, b, board_z[1]),
                ("-y",),
                "spine_title",
                uv_flip=(False, False),
                with_uvs=True,
            )
        ),
    ]
    edges = ("+x", "-x", "-y", "+z", "-z")

    def stack(x0: float, x1: float, top: str) -> list[Surface]:
        lo, hi = (x0, 2 * b, -h / 2), (x1, stack_top, h / 2)
        return [
            box_faces(lo, hi, edges, "page_edge"),
            box_faces(lo, hi, ("+y",), top, with_uvs=True),
        ]

    columns, rows = PAGE_GRID
    page = page_grid(w, h, stack_top + _LIFT_MM / 1000.0, columns, rows, "page_turn")
    return [
        NodeSpec("cover", tuple(cover)),
        NodeSpec("spine", tuple(spine)),
        NodeSpec("left_stack", tuple(stack(-w, 0.0, "page_left"))),
        NodeSpec("right_stack", tuple(stack(0.0, w, "page_right"))),
        NodeSpec("page", (page,), extras={"grid": list(PAGE_GRID)}),
    ]


def build_glb(
    spec: BookModelSpec, *, cover_jpeg: bytes, spine_jpeg: bytes, paper_jpeg: bytes
) -> bytes:
    dims = dimensions(spec)
    extras = {
        "title": spec.title,
        "page_count": spec.page_count,
        "page_width_m": round(dims.page_width, 6),
        "page_height_m": round(dims.page_height, 6),
        "block_thickness_m": round(dims.block, 6),
        "leaf_thickness_m": spec.paper_mm / 1000.0,
        "board_thickness_m": dims.board,
        "page_grid": list(PAGE_GRID),
    }
    return write_glb(
        book_nodes(dims),
        MATERIALS,
        {"cover": cover_jpeg, "spine": spine_jpeg, "paper": paper_jpeg},
        root="book",
        extras=extras,
    )
