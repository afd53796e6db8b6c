"""What scenes receives from the server for each shelf: plain book placements. The
catalog lives elsewhere; scenes never imports it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BookPlacement:
    """One book to stand on a shelf: its catalog record, its 3D book (if one was built),
    what goes on the spine and what its size is. Missing sizes get a typical octavo."""

    record_id: str
    book_id: str | None
    title: str
    authors: tuple[str, ...] = ()
    call_number: str = ""
    subjects: tuple[str, ...] = ()
    page_count: int | None = None
    page_width_mm: float | None = None
    page_height_mm: float | None = None
    spine_color: str | None = None


@dataclass(frozen=True, slots=True)
class ShelfSelection:
    """The books one shelf query selected, in shelf order, and how many matched in all
    (more than `len(placements)` when the selection was capped)."""

    placements: tuple[BookPlacement, ...]
    matched: int
    capped_at: int | None = None

    @property
    def capped(self) -> bool:
        return self.matched > len(self.placements)


@dataclass(frozen=True, slots=True)
class RoomBooks:
    """The selections for every shelf range of a room, keyed by range id."""

    by_range: dict[str, ShelfSelection] = field(default_factory=dict)
    cap: int | None = None

    def total(self) -> int:
        return sum(len(s.placements) for s in self.by_range.values())
