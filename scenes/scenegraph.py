"""The room as a small scene graph of named nodes, before it becomes a GLB. Node names
and `extras` carry the meaning (books, seats, spawn points, the blackboard) so that every
client finds it in the file itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scenes.geometry import Geometry


@dataclass(frozen=True, slots=True)
class Texture:
    name: str
    data: bytes
    mime_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Material:
    name: str
    color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    """Linear RGBA base colour factor."""
    roughness: float = 0.8
    metallic: float = 0.0
    unlit: bool = False
    texture: Texture | None = None
    double_sided: bool = False


@dataclass(frozen=True, slots=True)
class PointLight:
    color: tuple[float, float, float]
    intensity: float
    range: float | None = None
    kind: str = "point"


@dataclass(slots=True)
class Node:
    name: str
    primitives: list[tuple[Geometry, Material]] = field(default_factory=list)
    translation: tuple[float, float, float] | None = None
    rotation: tuple[float, float, float, float] | None = None
    """Quaternion x, y, z, w."""
    extras: dict[str, Any] | None = None
    light: PointLight | None = None
    children: list[Node] = field(default_factory=list)

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def draw_calls(self) -> int:
        return sum(len(n.primitives) for n in self.walk())

    def triangles(self) -> int:
        return sum(g.triangle_count for n in self.walk() for g, _ in n.primitives)
