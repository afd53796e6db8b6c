"""The room around the books: walls, floor, ceiling, reading tables, desks, carrels,
chairs and the blackboard, as boxes in plan frames; seats as positions readers sit at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scenes.frames import ALONG, OPPOSITE, OUT, YAW_DEGREES, to_world
from scenes.geometry import Geometry, quad
from scenes.template import Blackboard, Facing, RoomTemplate, Table

F64 = npt.NDArray[np.float64]

SEAT_HEIGHT = 0.45
SEAT_SETBACK = 0.38
"""From the table edge to the middle of the chair seat."""
EYE_HEIGHT = 1.6


@dataclass(frozen=True, slots=True)
class Seat:
    table: str
    index: int
    position: tuple[float, float, float]
    facing: Facing


def shell_quads(template: RoomTemplate) -> dict[str, Geometry]:
    """Floor, ceiling and the four walls, each facing into the room."""
    w, d, h = template.size.width, template.size.depth, template.size.height
    walls = Geometry.merge(
        [
            quad(np.array([[0, 0, 0], [w, 0, 0], [w, h, 0], [0, h, 0]]), np.array([0, 0, 1])),
            quad(np.array([[w, 0, d], [0, 0, d], [0, h, d], [w, h, d]]), np.array([0, 0, -1])),
            quad(np.array([[0, 0, d], [0, 0, 0], [0, h, 0], [0, h, d]]), np.array([1, 0, 0])),
            quad(np.array([[w, 0, 0], [w, 0, d], [w, h, d], [w, h, 0]]), np.array([-1, 0, 0])),
        ]
    )
    return {
        "floor": quad(np.array([[0, 0, 0], [0, 0, d], [w, 0, d], [w, 0, 0]]), np.array([0, 1, 0])),
        "ceiling": quad(
            np.array([[0, h, 0], [w, h, 0], [w, h, d], [0, h, d]]), np.array([0, -1, 0])
        ),
        "walls": walls,
    }


def seats(table: Table) -> list[Seat]:
    """Readers sit behind the table facing `facing`; at a `table`, half of them sit on
    the far side facing back."""
    n = table.seats
    sides: list[tuple[Facing, int]] = [(table.facing, n)]
    if table.style == "table":
        sides = [(table.facing, (n + 1) // 2), (OPPOSITE[table.facing], n // 2)]
    out: list[Seat] = []
    for facing, count in sides:
        if count == 0:
            continue
        along = np.array(ALONG[facing])
        forward = np.array(OUT[facing])
        base = np.array([table.position[0], SEAT_HEIGHT, table.position[1]])
        for i in range(count):
            a = (i + 0.5) * table.length / count - table.length / 2
            # In the reader's own frame the table is in front (-o is behind the reader).
            p = base + a * along - forward * (table.depth / 2 + SEAT_SETBACK)
            out.append(Seat(table.id, len(out), (float(p[0]), float(p[1]), float(p[2])), facing))
    return out


def table_boxes(table: Table) -> tuple[F64, F64]:
    """A table is a few boxes in every profile: its top, four legs, a modesty panel for
    desks, privacy panels for carrels."""
    length, depth, height = table.length, table.depth, table.height
    top = 0.035
    leg = 0.05
    centers = [(0.0, height - top / 2, 0.0)]
    sizes = [(length, top, depth)]
    for sa in (-1, 1):
        for so in (-1, 1):
            centers.append((sa * (length / 2 - 0.07), (height - top) / 2, so * (depth / 2 - 0.07)))
            sizes.append((leg, height - top, leg))
    if table.style in ("desk", "carrel"):
        centers.append((0.0, height - 0.22, depth / 2 - 0.03))
        sizes.append((length - 0.16, 0.3, 0.018))
    if table.style == "carrel":
        panel = 1.35 - height
        centers.append((0.0, height + panel / 2, depth / 2 - 0.0125))
        sizes.append((length, panel, 0.025))
        for sa in (-1, 1):
            centers.append((sa * (length / 2 - 0.0125), height + panel * 0.4, 0.0))
            sizes.append((0.025, panel * 0.8, depth))
    return to_world(table.position, table.facing, np.array(centers), np.array(sizes))


def chair_boxes(seat: Seat, detail: str) -> tuple[F64, F64]:
    """A chair in the frame of its reader: the back is behind them (-o)."""
    centers = [(0.0, SEAT_HEIGHT - 0.025, 0.0), (0.0, SEAT_HEIGHT + 0.22, -0.2)]
    sizes = [(0.44, 0.05, 0.42), (0.42, 0.4, 0.035)]
    if detail == "high":
        for sa in (-1, 1):
            for so in (-1, 1):
                centers.append((sa * 0.19, (SEAT_HEIGHT - 0.05) / 2, so * 0.18))
                sizes.append((0.03, SEAT_HEIGHT - 0.05, 0.03))
    else:
        centers.append((0.0, (SEAT_HEIGHT - 0.05) / 2, 0.0))
        sizes.append((0.06, SEAT_HEIGHT - 0.05, 0.06))
    return to_world(
        (seat.position[0], seat.position[2]), seat.facing, np.array(centers), np.array(sizes)
    )


@dataclass(frozen=True, slots=True)
class BoardGeometry:
    surface: Geometry
    frame_centers: F64
    frame_sizes: F64
    extras: dict[str, object]


def _wall_origin(template: RoomTemplate, board: Blackboard) -> tuple[float, float]:
    w, d = template.size.width, template.size.depth
    return {
        "north": (board.center, 0.0),
        "south": (board.center, d),
        "west": (0.0, board.center),
        "east": (w, board.center),
    }[board.wall]


def blackboard(template: RoomTemplate, ink_scale: float) -> BoardGeometry | None:
    """The writing surface (UV 0..1 over it, for ink textures) and its frame and tray."""
    board = template.blackboard
    if board is None:
        return None
    facing = OPPOSITE[board.wall]
    origin = _wall_origin(template, board)
    w, h, b = board.width, board.height, board.bottom
    along = np.array(ALONG[facing])
    out = np.array(OUT[facing])
    base = np.array([origin[0], 0.0, origin[1]])
    local = np.array(
        [[-w / 2, b, 0.025], [w / 2, b, 0.025], [w / 2, b + h, 0.025], [-w / 2, b + h, 0.025]]
    )
    corners = (
        base + local[:, 0:1] * along + local[:, 1:2] * np.array([0, 1, 0]) + local[:, 2:3] * out
    )
    surface = quad(corners, out, uv=True)
    f = 0.045
    centers = np.array(
        [
            (0.0, b - f / 2, 0.02),
            (0.0, b + h + f / 2, 0.02),
            (-w / 2 - f / 2, b + h / 2, 0.02),
            (w / 2 + f / 2, b + h / 2, 0.02),
            (0.0, b - f - 0.012, 0.06),
        ]
    )
    sizes = np.array(
        [
            (w + 2 * f, f, 0.04),
            (w + 2 * f, f, 0.04),
            (f, h, 0.04),
            (f, h, 0.04),
            (w, 0.024, 0.08),
        ]
    )
    frame_centers, frame_sizes = to_world(origin, facing, centers, sizes)
    middle = corners.mean(axis=0)
    ppm = board.ink_pixels_per_metre * ink_scale
    extras: dict[str, object] = {
        "kind": "blackboard",
        "wall": board.wall,
        "width_m": w,
        "height_m": h,
        "center": [round(float(v), 4) for v in middle],
        "normal": [float(v) for v in out],
        "right": [float(v) for v in along],
        "up": [0.0, 1.0, 0.0],
        "ink_pixels": [int(w * ppm), int(h * ppm)],
        "uv": "u runs along `right`, v runs down; 0..1 over the surface",
        "facing_deg": YAW_DEGREES[facing],
    }
    return BoardGeometry(surface, frame_centers, frame_sizes, extras)
