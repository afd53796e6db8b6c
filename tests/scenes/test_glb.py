"""The built rooms as a client gets them: valid glTF (Khronos validator), within the
device budgets counted from the file, and self-describing through node names and extras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from scenes.book_model import closed_book_glb
from scenes.compose import RoomBuild
from scenes.glb_stats import extras_by_name, glb_stats, load
from scenes.placement import BookPlacement
from scenes.profiles import PROFILES
from tests.scenes.support import assert_valid, validate_glbs


def _slots(glb: bytes) -> list[dict[str, Any]]:
    return [e["slots"] for e in extras_by_name(glb).values() if e.get("kind") == "book_slots"]


@pytest.mark.node
def test_every_glb_passes_the_khronos_validator(built_rooms: dict[str, RoomBuild]) -> None:
    glbs, names = [], []
    for room, build in built_rooms.items():
        for profile, result in build.profiles.items():
            glbs.append(result.scene)
            names.append(f"{room}/{profile}/scene")
            for part in result.parts:
                glbs.append(part.glb)
                names.append(f"{room}/{profile}/{part.name}")
    reports = validate_glbs(glbs)
    assert len(reports) == len(glbs)
    for name, report in zip(names, reports, strict=True):
        assert report["issues"]["numErrors"] == 0, name
        assert_valid(report)


def test_unlit_is_used_but_never_required(built_rooms: dict[str, RoomBuild]) -> None:
    gltf = load(built_rooms["european-literature"].profiles["headset"].scene)
    assert "KHR_materials_unlit" in (gltf.extensionsUsed or [])
    assert not gltf.extensionsRequired


@pytest.mark.parametrize("profile", list(PROFILES))
def test_budgets_hold_counted_from_the_glb(built_rooms: dict[str, RoomBuild], profile: str) -> None:
    limits = PROFILES[profile]
    for room, build in built_rooms.items():
        stats = glb_stats(build.profiles[profile].scene)
        if limits.max_draw_calls is not None:
            assert stats.draw_calls <= limits.max_draw_calls, room
        if limits.max_triangles is not None:
            assert stats.triangles <= limits.max_triangles, room
        if limits.max_texture_bytes is not None:
            assert stats.texture_bytes <= limits.max_texture_bytes, room
        assert stats.draw_calls == build.profiles[profile].draw_calls
        assert stats.triangles == build.profiles[profile].triangles


def test_a_thousand_books_cost_a_few_draw_calls(built_rooms: dict[str, RoomBuild]) -> None:
    build = built_rooms["european-literature"]
    assert len(build.layout) == 1000
    for result in build.profiles.values():
        book_draws = sum(p.draw_calls for p in result.parts if p.name != "shell")
        assert book_draws <= 6
        assert glb_stats(result.scene).draw_calls <= 12


def test_every_book_slot_names_its_record_and_book(built_rooms: dict[str, RoomBuild]) -> None:
    build = built_rooms["european-literature"]
    expected = sorted(p.record_id for p in build.layout.placements)
    book_ids = {p.record_id: p.book_id for p in build.layout.placements}
    for result in build.profiles.values():
        slots = _slots(result.scene)
        found = sorted(r for s in slots for r in s["record_ids"])
        assert found == expected
        for s in slots:
            assert len(s["boxes"]) == 6 * s["count"]
            assert len(s["book_ids"]) == s["count"]
            for record, book in zip(s["record_ids"], s["book_ids"], strict=True):
                assert book == book_ids[record]


def test_triangle_index_picks_the_spine_inside_its_box(built_rooms: dict[str, RoomBuild]) -> None:
    """What a client does on a ray hit: slot = triangle // triangles_per_slot."""
    glb = built_rooms["european-literature"].profiles["headset"].scene
    gltf = load(glb)
    blob = gltf.binary_blob()
    for node in gltf.nodes:
        extras = node.extras or {}
        if extras.get("kind") != "book_slots":
            continue
        primitive = gltf.meshes[node.mesh].primitives[0]

        def read(index: int, dtype: Any, width: int) -> np.ndarray:
            accessor = gltf.accessors[index]
            view = gltf.bufferViews[accessor.bufferView]
            data = np.frombuffer(
                blob, dtype=dtype, count=accessor.count * width, offset=view.byteOffset
            )
            return data.reshape(accessor.count, width) if width > 1 else data

        positions = read(primitive.attributes.POSITION, np.float32, 3)
        index_type = (
            np.uint16 if gltf.accessors[primitive.indices].componentType == 5123 else np.uint32
        )
        triangles = read(primitive.indices, index_type, 1).reshape(-1, 3)
        slots = extras["slots"]
        per = slots["triangles_per_slot"]
        boxes = np.array(slots["boxes"]).reshape(-1, 6)
        slot_of_triangle = np.arange(len(triangles)) // per
        corners = positions[triangles]  # (T, 3, 3)
        low = boxes[slot_of_triangle][:, None, :3] - 1e-3
        high = boxes[slot_of_triangle][:, None, 3:] + 1e-3
        assert np.all((corners >= low) & (corners <= high))


def test_nodes_name_seats_spawn_points_ranges_and_the_blackboard(
    built_rooms: dict[str, RoomBuild],
) -> None:
    build = built_rooms["classroom"]
    template = build.template
    for profile, result in build.profiles.items():
        nodes = extras_by_name(result.scene)
        board = nodes["blackboard"]
        assert board["kind"] == "blackboard"
        assert board["width_m"] == template.blackboard.width  # type: ignore[union-attr]
        assert board["ink_pixels"][0] > 0
        seats = [n for n in nodes.values() if n.get("kind") == "seat"]
        assert len(seats) == sum(t.seats for t in template.tables)
        spawns = {n["id"] for n in nodes.values() if n.get("kind") == "spawn"}
        assert spawns == {s.id for s in template.spawn_points}
        assert nodes["spawn-teacher"]["role"] == "presenter"
        assert nodes["range-class-reserve"]["kind"] == "shelf_range", profile
    ink = [extras_by_name(r.scene)["blackboard"]["ink_pixels"][0] for r in build.profiles.values()]
    assert (
        max(ink)
        == extras_by_name(build.profiles["blackboard"].scene)["blackboard"]["ink_pixels"][0]
    )


def test_parts_load_in_order_and_add_up_to_the_scene(built_rooms: dict[str, RoomBuild]) -> None:
    build = built_rooms["european-literature"]
    spawn = np.array([*build.template.spawn_points[0].position])
    for result in build.profiles.values():
        names = [p.name for p in result.parts]
        assert names == ["shell", "near", "rest"]
        shell = result.parts[0]
        assert shell.books == 0
        assert len(shell.glb) < len(result.scene) / 10
        assert sum(p.draw_calls for p in result.parts) == result.draw_calls
        assert sum(p.books for p in result.parts) == result.books

        def distances(glb: bytes) -> np.ndarray:
            boxes = np.concatenate([np.array(s["boxes"]).reshape(-1, 6) for s in _slots(glb)])
            centre = (boxes[:, [0, 2]] + boxes[:, [3, 5]]) / 2
            out: np.ndarray = np.hypot(*(centre - spawn).T)
            return out

        assert distances(result.parts[1].glb).max() <= distances(result.parts[2].glb).min()


@pytest.mark.node
def test_the_closed_book_model_is_valid_and_names_its_record(
    gltf_validate: Callable[[bytes], dict[str, Any]],
) -> None:
    book = BookPlacement(
        "1000027",
        None,
        "浮士德",
        ("歌德",),
        "PT2026 .F2 C5 2003",
        page_count=512,
        page_width_mm=150,
        page_height_mm=230,
    )
    glb = closed_book_glb(book)
    assert_valid(gltf_validate(glb))
    extras = extras_by_name(glb)["book"]
    assert extras["record_id"] == "1000027"
    assert extras["size_mm"] == [30.6, 236.0, 155.5]
    assert glb_stats(glb).draw_calls == 1
