"""The room manifest a client reads first: what to load, in which order (shell, near
shelves, the rest), how big each part is, and what the room holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scenes.compose import RoomBuild
from scenes.furniture import EYE_HEIGHT

FORMAT = "readingroom.room-manifest/1"
GLB = "model/gltf-binary"


def room_manifest(build: RoomBuild, profile: str, url_for: Callable[[str], str]) -> dict[str, Any]:
    """`url_for(sha256)` names where an asset with that digest is served."""
    result = build.profiles[profile]
    template = build.template
    p = result.profile
    return {
        "format": FORMAT,
        "room": {
            "id": template.id,
            "title": template.title,
            "kind": template.kind,
            "version": build.version,
            "size_m": {
                "width": template.size.width,
                "depth": template.size.depth,
                "height": template.size.height,
            },
        },
        "fingerprint": build.fingerprint,
        "profile": {
            "name": p.name,
            "page_image_size": p.page_image_size,
            "spine_px_per_mm": p.px_per_mm,
            "atlas_size": p.atlas_size,
            "budget": p.budget(),
        },
        "stats": {
            "books": result.books,
            "draw_calls": result.draw_calls,
            "triangles": result.triangles,
            "texture_bytes": result.texture_bytes,
            "scene_bytes": len(result.scene),
            "within_budget": result.within_budget(),
        },
        "spawn_points": [
            {
                "id": s.id,
                "position": [s.position[0], 0.0, s.position[1]],
                "facing_deg": s.facing,
                "role": s.role,
                "eye_height_m": EYE_HEIGHT,
            }
            for s in template.spawn_points
        ],
        "assets": [
            {
                "part": part.name,
                "url": url_for(part.sha256),
                "sha256": part.sha256,
                "bytes": len(part.glb),
                "media_type": GLB,
                "books": part.books,
                "draw_calls": part.draw_calls,
                "triangles": part.triangles,
            }
            for part in result.parts
        ],
        "scene": {
            "url": url_for(result.scene_sha256),
            "sha256": result.scene_sha256,
            "bytes": len(result.scene),
            "media_type": GLB,
        },
        "shelves": [report.as_dict() for report in build.reports],
        "notices": [*build.notices, *result.notices],
    }
