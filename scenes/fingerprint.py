"""The book-set fingerprint of a room: a hash of everything a build depends on (the
template, the books each shelf selected, and the builder's own version), so a room is
rebuilt exactly when its shelves would look different."""

from __future__ import annotations

import hashlib
import json

from scenes.placement import RoomBooks
from scenes.template import RoomTemplate

BUILDER_VERSION = "scenes/1"


def book_set_fingerprint(template: RoomTemplate, books: RoomBooks) -> str:
    hasher = hashlib.sha256()
    hasher.update(BUILDER_VERSION.encode())
    hasher.update(json.dumps(template.to_json(), sort_keys=True).encode())
    for shelf in template.shelf_ranges:
        selection = books.by_range.get(shelf.id)
        if selection is None:
            hasher.update(b"\x00none")
            continue
        hasher.update(f"\x00{shelf.id}\x00{selection.matched}\x00{selection.capped_at}".encode())
        for p in selection.placements:
            row = [
                p.record_id,
                p.book_id,
                p.title,
                list(p.authors),
                p.call_number,
                p.page_count,
                p.page_width_mm,
                p.page_height_mm,
                p.spine_color,
            ]
            hasher.update(json.dumps(row, ensure_ascii=False).encode())
            hasher.update(b"\n")
    return hasher.hexdigest()
