"""Where the preview camera stands. Coordinates are the GLB's (metres, Y up, Z south)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scenes.template import RoomTemplate

Vec3 = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Camera:
    """Either a fixed view (`position` looking at `look_at`) or, with `frame` set, a view
    from direction `frame` that fits the whole model."""

    position: Vec3 = (0.0, 1.6, 0.0)
    look_at: Vec3 = (0.0, 1.6, -1.0)
    fov_deg: float = 75.0
    near: float = 0.05
    frame: Vec3 | None = None
    crop_square: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "position": list(self.position),
            "look_at": list(self.look_at),
            "fov_deg": self.fov_deg,
            "near": self.near,
            "frame": list(self.frame) if self.frame else None,
            "crop_square": self.crop_square,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Camera:
        frame = data.get("frame")
        return Camera(
            _vec(data["position"]),
            _vec(data["look_at"]),
            float(data["fov_deg"]),
            float(data["near"]),
            _vec(frame) if frame else None,
            bool(data.get("crop_square")),
        )


def _vec(value: Any) -> Vec3:
    x, y, z = (float(v) for v in value)
    return (x, y, z)


def room_camera(template: RoomTemplate) -> Camera:
    """From where a reader arrives (the first spawn point open to anyone), a little above
    head height, looking the way they look and slightly down, so shelves, tables and the
    blackboard show together."""
    spawn = next(
        (s for s in template.spawn_points if s.role != "presenter"), template.spawn_points[0]
    )
    x, z = spawn.position
    yaw = math.radians(spawn.facing)
    dx, dz = math.sin(yaw), -math.cos(yaw)
    eye = min(2.2, template.size.height - 0.4)
    return Camera((x, eye, z), (x + dx * 5.0, 1.0, z + dz * 5.0), 75.0, 0.05)


def book_camera() -> Camera:
    """Three-quarter view of a standing book: the front cover and the spine."""
    return Camera(frame=(-0.62, 0.32, 1.0), fov_deg=30.0, near=0.01, crop_square=True)
