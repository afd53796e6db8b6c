"""The named materials a room template may use. Templates name them; the GLB gets plain
PBR factors, so rooms need no texture downloads for their shell and furniture."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class MaterialSpec:
    """Linear-ish sRGB base colour (0..1), PBR roughness, and whether it shades at all."""

    color: tuple[float, float, float]
    roughness: float = 0.8
    metallic: float = 0.0
    unlit: bool = False


def _hex(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


MATERIALS: MappingProxyType[str, MaterialSpec] = MappingProxyType(
    {
        # floors
        "oak_parquet": MaterialSpec(_hex("a47449"), 0.55),
        "walnut_parquet": MaterialSpec(_hex("6b4a32"), 0.5),
        "carpet_blue": MaterialSpec(_hex("34495e"), 0.95),
        "carpet_green": MaterialSpec(_hex("3d5a45"), 0.95),
        "linoleum_grey": MaterialSpec(_hex("8c8f91"), 0.6),
        "terrazzo": MaterialSpec(_hex("cfc8bb"), 0.4),
        # walls and ceilings
        "plaster_white": MaterialSpec(_hex("eeece6"), 0.9),
        "plaster_warm": MaterialSpec(_hex("e6dccb"), 0.9),
        "plaster_sage": MaterialSpec(_hex("c9d2c0"), 0.9),
        "wood_panel": MaterialSpec(_hex("8a5a3b"), 0.6),
        "brick": MaterialSpec(_hex("9c5a44"), 0.95),
        "acoustic_tile": MaterialSpec(_hex("f2f1ed"), 1.0),
        # furniture
        "oak": MaterialSpec(_hex("b08457"), 0.5),
        "walnut": MaterialSpec(_hex("5e3f2b"), 0.45),
        "birch": MaterialSpec(_hex("d8c3a0"), 0.5),
        "steel_grey": MaterialSpec(_hex("7b8288"), 0.4, 0.6),
        "fabric_red": MaterialSpec(_hex("8e3b3b"), 0.95),
        "fabric_blue": MaterialSpec(_hex("35557a"), 0.95),
        "fabric_grey": MaterialSpec(_hex("6d6d6d"), 0.95),
        # writing surfaces: unlit so ink and chalk read the same under any light
        "slate_green": MaterialSpec(_hex("2f4f3f"), 0.9, unlit=True),
        "slate_black": MaterialSpec(_hex("23272a"), 0.9, unlit=True),
        "whiteboard": MaterialSpec(_hex("f7f7f4"), 0.2, unlit=True),
    }
)


def known_materials() -> list[str]:
    return sorted(MATERIALS)
