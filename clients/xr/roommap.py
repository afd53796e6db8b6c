"""What the room GLB says its parts mean, read from node extras (the rooms builder's
contract): the book slots of every spine mesh, with their boxes, book and record ids and
titles, so a ray can tell which book it points at."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from clients.xr.frames import room_to_panda_boxes

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BookSlots:
    """Every book on the room's shelves; boxes (N, 6) in Panda's frame."""

    boxes: Floats
    book_ids: tuple[str | None, ...]
    record_ids: tuple[str | None, ...]
    titles: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.titles)

    def index_of(self, book_id: str) -> int | None:
        try:
            return self.book_ids.index(book_id)
        except ValueError:
            return None


EMPTY = BookSlots(np.zeros((0, 6)), (), (), ())


def _nodes_with_kind(gltf: Mapping[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    for node in gltf.get("nodes", []):
        extras = node.get("extras") if isinstance(node, dict) else None
        if isinstance(extras, dict) and extras.get("kind") == kind:
            yield extras


def _strings(values: Any, count: int) -> list[str | None]:
    if not isinstance(values, list) or len(values) != count:
        return [None] * count
    return [v if isinstance(v, str) and v else None for v in values]


def book_slots(gltf: Mapping[str, Any]) -> BookSlots:
    """The slots of every `book_slots` node; a node whose extras are malformed is skipped
    (its books show but cannot be picked) rather than failing the room."""
    boxes: list[Floats] = []
    books: list[str | None] = []
    records: list[str | None] = []
    titles: list[str] = []
    for extras in _nodes_with_kind(gltf, "book_slots"):
        slots = extras.get("slots")
        if not isinstance(slots, dict):
            continue
        count = slots.get("count")
        raw = slots.get("boxes")
        if not isinstance(count, int) or not isinstance(raw, list) or len(raw) != 6 * count:
            continue
        try:
            box = np.asarray(raw, dtype=np.float64).reshape(count, 6)
        except (TypeError, ValueError):
            continue
        if not np.isfinite(box).all():
            continue
        boxes.append(room_to_panda_boxes(box))
        books += _strings(slots.get("book_ids"), count)
        records += _strings(slots.get("record_ids"), count)
        titles += [t or "" for t in _strings(slots.get("titles"), count)]
    if not boxes:
        return EMPTY
    return BookSlots(np.concatenate(boxes), tuple(books), tuple(records), tuple(titles))
