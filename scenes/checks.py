"""Spatial checks on a schema-valid template: furniture inside the walls, nothing
overlapping, surfaces and lights within the room, unique ids. Each issue names the field
a librarian has to change."""

from __future__ import annotations

from dataclasses import dataclass

from scenes.errors import TemplateIssue
from scenes.template import Facing, RoomTemplate, Table

CHAIR_ZONE = 0.6
"""How far chairs reach beyond a table edge; furniture may not stand there."""
BOARD_ZONE = 0.1
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Footprint:
    """An axis-aligned plan rectangle, with the vertical span it occupies."""

    loc: tuple[str | int, ...]
    name: str
    x0: float
    z0: float
    x1: float
    z1: float
    y0: float = 0.0
    y1: float = 100.0

    def overlaps(self, other: Footprint) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > _EPS
            and min(self.z1, other.z1) - max(self.z0, other.z0) > _EPS
            and min(self.y1, other.y1) - max(self.y0, other.y0) > _EPS
        )

    def contains(self, x: float, z: float) -> bool:
        return self.x0 < x < self.x1 and self.z0 < z < self.z1


def along_x(facing: Facing) -> bool:
    """Whether something facing `facing` runs east-west (its length along x)."""
    return facing in ("north", "south")


def rect(
    cx: float, cz: float, facing: Facing, length: float, depth: float
) -> tuple[float, float, float, float]:
    if along_x(facing):
        return cx - length / 2, cz - depth / 2, cx + length / 2, cz + depth / 2
    return cx - depth / 2, cz - length / 2, cx + depth / 2, cz + length / 2


def table_zone(table: Table) -> tuple[float, float, float, float]:
    """The table and the floor its chairs take: readers face `facing` and sit on the
    other side; at a `table` chairs stand on both sides."""
    x0, z0, x1, z1 = rect(*table.position, table.facing, table.length, table.depth)
    if table.seats == 0:
        return x0, z0, x1, z1
    d = CHAIR_ZONE
    ahead = d if table.style == "table" else 0.0
    if table.facing == "north":
        return x0, z0 - ahead, x1, z1 + d
    if table.facing == "south":
        return x0, z0 - d, x1, z1 + ahead
    if table.facing == "east":
        return x0 - d, z0, x1 + ahead, z1
    return x0 - ahead, z0, x1 + d, z1


def blackboard_zone(template: RoomTemplate) -> Footprint | None:
    board = template.blackboard
    if board is None:
        return None
    w, d = template.size.width, template.size.depth
    lo, hi = board.center - board.width / 2, board.center + board.width / 2
    y0, y1 = board.bottom, board.bottom + board.height
    loc: tuple[str | int, ...] = ("blackboard",)
    if board.wall == "north":
        return Footprint(loc, "the blackboard", lo, 0.0, hi, BOARD_ZONE, y0, y1)
    if board.wall == "south":
        return Footprint(loc, "the blackboard", lo, d - BOARD_ZONE, hi, d, y0, y1)
    if board.wall == "west":
        return Footprint(loc, "the blackboard", 0.0, lo, BOARD_ZONE, hi, y0, y1)
    return Footprint(loc, "the blackboard", w - BOARD_ZONE, lo, w, hi, y0, y1)


def furniture(template: RoomTemplate) -> list[Footprint]:
    """Every footprint furniture takes, chairs included."""
    out = []
    for i, shelf in enumerate(template.shelf_ranges):
        x0, z0, x1, z1 = rect(*shelf.position, shelf.facing, shelf.length, shelf.total_depth)
        out.append(
            Footprint(
                ("shelf_ranges", i), f"shelf range {shelf.id!r}", x0, z0, x1, z1, 0.0, shelf.height
            )
        )
    for i, table in enumerate(template.tables):
        x0, z0, x1, z1 = table_zone(table)
        out.append(Footprint(("tables", i), f"{table.style} {table.id!r}", x0, z0, x1, z1))
    board = blackboard_zone(template)
    if board is not None:
        out.append(board)
    return out


def _solid(template: RoomTemplate) -> list[Footprint]:
    """Footprints nobody can stand in (shelves and table tops, not chairs)."""
    out = [f for f in furniture(template) if f.loc[0] == "shelf_ranges"]
    for i, table in enumerate(template.tables):
        out.append(
            Footprint(
                ("tables", i),
                f"{table.style} {table.id!r}",
                *rect(*table.position, table.facing, table.length, table.depth),
            )
        )
    return out


def _outside(f: Footprint, width: float, depth: float) -> str | None:
    beyond = []
    if f.x0 < -_EPS:
        beyond.append(f"{-f.x0:.2f} m beyond the west wall")
    if f.x1 > width + _EPS:
        beyond.append(f"{f.x1 - width:.2f} m beyond the east wall")
    if f.z0 < -_EPS:
        beyond.append(f"{-f.z0:.2f} m beyond the north wall")
    if f.z1 > depth + _EPS:
        beyond.append(f"{f.z1 - depth:.2f} m beyond the south wall")
    if not beyond:
        return None
    return f"{f.name} reaches {' and '.join(beyond)} (room is {width:g} x {depth:g} m)"


def _duplicates(template: RoomTemplate) -> list[TemplateIssue]:
    issues = []
    groups: list[tuple[str, list[str]]] = [
        ("shelf_ranges", [s.id for s in template.shelf_ranges]),
        ("tables", [t.id for t in template.tables]),
        ("spawn_points", [p.id for p in template.spawn_points]),
    ]
    for field, ids in groups:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                issues.append(
                    TemplateIssue((field, i, "id"), f"duplicate id {ident!r}", "duplicate")
                )
            seen.add(ident)
    return issues


def spatial_issues(template: RoomTemplate) -> list[TemplateIssue]:
    size = template.size
    issues = _duplicates(template)
    items = furniture(template)
    for f in items:
        where = _outside(f, size.width, size.depth)
        if where:
            field = "center" if f.loc == ("blackboard",) else "position"
            issues.append(TemplateIssue((*f.loc, field), where, "outside_room"))
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a.overlaps(b):
                issues.append(
                    TemplateIssue(
                        (*b.loc, "position") if b.loc != ("blackboard",) else (*a.loc, "position"),
                        f"{b.name} overlaps {a.name} ({'.'.join(map(str, a.loc))})",
                        "overlap",
                    )
                )
    for i, shelf in enumerate(template.shelf_ranges):
        if shelf.height > size.height:
            issues.append(
                TemplateIssue(
                    ("shelf_ranges", i, "height"),
                    f"{shelf.height:g} m is taller than the room ({size.height:g} m)",
                    "too_tall",
                )
            )
    board = template.blackboard
    if board is not None and board.bottom + board.height > size.height:
        issues.append(
            TemplateIssue(
                ("blackboard", "height"), "the blackboard reaches above the ceiling", "too_tall"
            )
        )
    for i, light in enumerate(template.lights):
        x, y, z = light.position
        if not (0 <= x <= size.width and 0 <= y <= size.height and 0 <= z <= size.depth):
            issues.append(
                TemplateIssue(
                    ("lights", i, "position"), "the light is outside the room", "outside_room"
                )
            )
    solid = _solid(template)
    for i, spawn in enumerate(template.spawn_points):
        x, z = spawn.position
        if not (0.2 <= x <= size.width - 0.2 and 0.2 <= z <= size.depth - 0.2):
            issues.append(
                TemplateIssue(
                    ("spawn_points", i, "position"),
                    "the spawn point is outside the room (or within 0.2 m of a wall)",
                    "outside_room",
                )
            )
            continue
        for f in solid:
            if f.contains(x, z):
                issues.append(
                    TemplateIssue(
                        ("spawn_points", i, "position"),
                        f"the spawn point stands inside {f.name}",
                        "overlap",
                    )
                )
    return issues
