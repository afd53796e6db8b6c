"""Pointing at books: the nearest slot box along a ray, never one behind the reader, and
the floor when no book is in the way."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from clients.xr.picking import ray_boxes, ray_floor
from clients.xr.roommap import book_slots

BOXES = np.array([[0, 5, 1, 1, 6, 2], [0, 8, 1, 1, 9, 2], [0, -6, 1, 1, -5, 2]], dtype=float)


def test_the_nearest_box_in_front_wins() -> None:
    hit = ray_boxes([0.5, 0, 1.5], [0, 1, 0], BOXES)
    assert hit is not None and hit.index == 0 and abs(hit.distance - 5) < 1e-9


def test_boxes_behind_are_not_hit() -> None:
    assert ray_boxes([0.5, 10, 1.5], [0, 1, 0], BOXES) is None


def test_a_ray_parallel_to_a_face_outside_misses() -> None:
    assert ray_boxes([3.0, 0, 1.5], [0, 1, 0], BOXES) is None


def test_from_inside_a_box_the_exit_counts() -> None:
    hit = ray_boxes([0.5, 5.5, 1.5], [0, 1, 0], BOXES)
    assert hit is not None and hit.index == 0 and abs(hit.distance - 0.5) < 1e-9


@given(st.floats(-0.49, 0.49), st.floats(-0.49, 0.49))
def test_any_ray_through_a_box_hits_it(dx: float, dz: float) -> None:
    target = np.array([0.5 + dx, 8.5, 1.5 + dz])
    origin = np.array([0.5, 0.0, 3.0])
    hit = ray_boxes(origin, target - origin, BOXES[1:2])
    assert hit is not None and hit.index == 0


def test_the_floor() -> None:
    point = ray_floor([0, 0, 1.6], [0, 1, -1])
    assert point is not None and np.allclose(point, [0, 1.6, 0])
    assert ray_floor([0, 0, 1.6], [0, 1, 0.1]) is None


def test_slots_from_room_extras_and_malformed_ones_skipped() -> None:
    gltf = {
        "nodes": [
            {
                "extras": {
                    "kind": "book_slots",
                    "slots": {
                        "count": 2,
                        "boxes": [0, 1, -2, 0.1, 1.3, -1.8, 1, 1, -2, 1.1, 1.3, -1.8],
                        "book_ids": ["b1", None],
                        "titles": ["One", "Two"],
                    },
                }
            },
            {"extras": {"kind": "book_slots", "slots": {"count": 3, "boxes": [1, 2]}}},
            {"extras": {"kind": "book_slots", "slots": "nonsense"}},
        ]
    }
    slots = book_slots(gltf)
    assert len(slots) == 2 and slots.book_ids == ("b1", None) and slots.titles == ("One", "Two")
    assert slots.record_ids == (None, None)
    # Room z (-2..-1.8) is Panda y (1.8..2).
    assert np.allclose(slots.boxes[0], [0, 1.8, 1, 0.1, 2, 1.3])
    assert slots.index_of("b1") == 0 and slots.index_of("zz") is None
