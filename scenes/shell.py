"""The room node of a GLB: shell, furniture merged per material, the blackboard, and
empty nodes that name shelf ranges, seats, spawn points and lights."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

from scenes.frames import YAW_DEGREES, yaw_quaternion
from scenes.furniture import EYE_HEIGHT, blackboard, chair_boxes, seats, shell_quads, table_boxes
from scenes.geometry import boxes, srgb_to_linear
from scenes.layout import ShelfReport
from scenes.materials import MATERIALS
from scenes.profiles import DeviceProfile
from scenes.scenegraph import Material, Node, PointLight
from scenes.shelving import carcass
from scenes.spines import parse_hex
from scenes.template import RoomTemplate

F64 = npt.NDArray[np.float64]
FRAME_MATERIAL = "walnut"


class MaterialBook:
    """One Material object per name within a build, so the GLB writer shares them."""

    def __init__(self) -> None:
        self._items: dict[str, Material] = {}

    def get(self, name: str) -> Material:
        material = self._items.get(name)
        if material is None:
            spec = MATERIALS[name]
            r, g, b = (float(v) for v in srgb_to_linear(np.array(spec.color)))
            material = Material(name, (r, g, b, 1.0), spec.roughness, spec.metallic, spec.unlit)
            self._items[name] = material
        return material


def _point(x: float, y: float, z: float) -> tuple[float, float, float]:
    return (round(float(x), 4), round(float(y), 4), round(float(z), 4))


def _furniture(
    template: RoomTemplate, profile: DeviceProfile, materials: MaterialBook
) -> tuple[Node, list[Node]]:
    groups: dict[str, list[tuple[F64, F64]]] = defaultdict(list)
    seat_nodes: list[Node] = []
    for shelf in template.shelf_ranges:
        groups[shelf.material].append(carcass(shelf, profile.furniture_detail))
    for table in template.tables:
        groups[table.material].append(table_boxes(table))
        for seat in seats(table):
            groups[table.seat_material].append(chair_boxes(seat, profile.furniture_detail))
            seat_nodes.append(
                Node(
                    f"seat-{table.id}-{seat.index}",
                    translation=_point(*seat.position),
                    rotation=yaw_quaternion(YAW_DEGREES[seat.facing]),
                    extras={
                        "kind": "seat",
                        "table": table.id,
                        "index": seat.index,
                        "style": table.style,
                        "facing_deg": YAW_DEGREES[seat.facing],
                    },
                )
            )
    board = blackboard(template, profile.ink_scale)
    if board is not None:
        groups[FRAME_MATERIAL].append((board.frame_centers, board.frame_sizes))
    faces = (0, 1, 2, 3, 4) if profile.furniture_detail == "low" else (0, 1, 2, 3, 4, 5)
    primitives = []
    for name in sorted(groups):
        centers = np.concatenate([c for c, _ in groups[name]])
        sizes = np.concatenate([s for _, s in groups[name]])
        primitives.append((boxes(centers, sizes, faces), materials.get(name)))
    return Node("furniture", primitives, extras={"kind": "furniture"}), seat_nodes


def room_node(
    template: RoomTemplate,
    profile: DeviceProfile,
    reports: tuple[ShelfReport, ...],
    materials: MaterialBook,
) -> Node:
    quads = shell_quads(template)
    m = template.materials
    shell = Node(
        "shell",
        [
            (quads["floor"], materials.get(m.floor)),
            (quads["walls"], materials.get(m.walls)),
            (quads["ceiling"], materials.get(m.ceiling)),
        ],
        extras={"kind": "shell", "floor": m.floor, "walls": m.walls, "ceiling": m.ceiling},
    )
    furniture, seat_nodes = _furniture(template, profile, materials)
    root = Node(
        f"room-{template.id}",
        extras={
            "kind": "room",
            "id": template.id,
            "title": template.title,
            "room_kind": template.kind,
            "size": [template.size.width, template.size.height, template.size.depth],
        },
    )
    root.children += [shell, furniture]
    board = blackboard(template, profile.ink_scale)
    if board is not None and template.blackboard is not None:
        root.children.append(
            Node(
                "blackboard",
                [(board.surface, materials.get(template.blackboard.material))],
                extras=board.extras,
            )
        )
    by_id = {r.id: r for r in reports}
    ranges = Node("shelf_ranges", extras={"kind": "group"})
    for shelf in template.shelf_ranges:
        report = by_id.get(shelf.id)
        ranges.children.append(
            Node(
                f"range-{shelf.id}",
                translation=_point(shelf.position[0], 0.0, shelf.position[1]),
                rotation=yaw_quaternion(YAW_DEGREES[shelf.facing]),
                extras={
                    "kind": "shelf_range",
                    "id": shelf.id,
                    "label": shelf.label,
                    "facing": shelf.facing,
                    "double_faced": shelf.double_faced,
                    "bays": shelf.bays,
                    "shelves": shelf.shelves,
                    "length_m": shelf.length,
                    "height_m": shelf.height,
                    "query": shelf.query.model_dump(mode="json"),
                    "books": report.placed if report else 0,
                    "matched": report.matched if report else 0,
                },
            )
        )
    spawns = Node("spawn_points", extras={"kind": "group"})
    for spawn in template.spawn_points:
        spawns.children.append(
            Node(
                f"spawn-{spawn.id}",
                translation=_point(spawn.position[0], 0.0, spawn.position[1]),
                rotation=yaw_quaternion(spawn.facing),
                extras={
                    "kind": "spawn",
                    "id": spawn.id,
                    "role": spawn.role,
                    "facing_deg": spawn.facing,
                    "eye_height_m": EYE_HEIGHT,
                },
            )
        )
    seat_group = Node("seats", extras={"kind": "group"}, children=seat_nodes)
    lights = Node("lights", extras={"kind": "group"})
    for i, light in enumerate(template.lights[: profile.max_lights]):
        rgb = parse_hex(light.color) or (255, 255, 255)
        color = tuple(float(v) for v in srgb_to_linear(np.array(rgb) / 255))
        lights.children.append(
            Node(
                f"light-{i}",
                translation=_point(*light.position),
                light=PointLight((color[0], color[1], color[2]), light.intensity, light.range),
                extras={"kind": "light"},
            )
        )
    root.children += [ranges, seat_group, spawns, lights]
    return root
