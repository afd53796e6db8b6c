"""The port through which rooms get their books: a `PlacementSource` answers a shelf
query with book placements (plain data `scenes` understands) and how many books matched.

The catalog (catalog_adapter) plugs in here: wrap its search in a class with this
`select` method. Until then, `JsonPlacementSource` serves a JSON list of placements (the
demo library's, or any export) and `InMemoryPlacementSource` a list in memory."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experience_server.settings import Settings
from scenes.placement import BookPlacement, RoomBooks, ShelfSelection
from scenes.template import RoomTemplate, ShelfQuery


class PlacementSource(Protocol):
    """Anything that can fill a shelf."""

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        """At most `limit` placements in shelf order, and the number that matched."""
        ...


_CALL = re.compile(r"^\s*([A-Za-z]{0,3})\s*(\d+(?:\.\d+)?)?\s*(.*)$")
_CUTTER = re.compile(r"\.?\s*([A-Za-z])(\d+)")
_MAX_CUTTERS = 3

CallKey = tuple[str | float, ...]


def _parse_call_number(call_number: str) -> tuple[CallKey, int]:
    """The key and how many of its leading parts the text actually gave."""
    match = _CALL.match(call_number.upper())
    letters, number, rest = match.groups() if match else ("", None, call_number)
    key: list[str | float] = [letters or "", float(number) if number else -1.0]
    given = 1 if number is None else 2
    tail = rest or ""
    for _ in range(_MAX_CUTTERS):
        cut = _CUTTER.match(tail)
        if cut is None:
            key += ["", -1.0]
            continue
        key += [cut.group(1), float("0." + cut.group(2))]
        given = len(key)
        tail = tail[cut.end() :].lstrip()
    key.append(tail.strip())
    if tail.strip():
        given = len(key)
    return tuple(key), given


def call_number_key(call_number: str) -> CallKey:
    """A sort key for Library of Congress call numbers ("PQ2603 .E362 L4 1999"): class
    letters, class number as a number, cutters as decimal fractions, then the rest."""
    return _parse_call_number(call_number)[0]


def within_call_range(call_number: str, low: str, high: str) -> bool:
    """Inclusive LC range, bounds compared only as far as they are written: "PN1" to
    "PN9999" holds "PN9999 .A1 2001", and "P1" to "PZ9999" holds all of class P."""
    key, _ = _parse_call_number(call_number)
    lo, lo_len = _parse_call_number(low)
    hi, hi_len = _parse_call_number(high)
    if not key[0]:
        return False
    return key[:lo_len] >= lo[:lo_len] and key[:hi_len] <= hi[:hi_len]


def matches(placement: BookPlacement, query: ShelfQuery) -> bool:
    if query.subjects:
        wanted = [s.casefold() for s in query.subjects]
        have = [s.casefold() for s in placement.subjects]
        if not any(h.startswith(w) for w in wanted for h in have):
            return False
    if query.call_number_range is not None:
        low, high = query.call_number_range
        if not within_call_range(placement.call_number, low, high):
            return False
    return True


def _ordered(books: Iterable[BookPlacement], query: ShelfQuery) -> list[BookPlacement]:
    if query.sort == "title":
        return sorted(books, key=lambda b: (b.title.casefold(), b.record_id))
    return sorted(books, key=lambda b: (call_number_key(b.call_number), b.record_id))


class InMemoryPlacementSource:
    """Placements held in memory (tests, benchmarks, small demos)."""

    def __init__(self, books: Sequence[BookPlacement]) -> None:
        self._books = tuple(books)
        self._by_id = {b.record_id: b for b in self._books}

    def __len__(self) -> int:
        return len(self._books)

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        if query.records:
            found = [self._by_id[r] for r in dict.fromkeys(query.records) if r in self._by_id]
            return ShelfSelection(tuple(found[: max(limit, 0)]), len(found), limit)
        chosen = _ordered((b for b in self._books if matches(b, query)), query)
        return ShelfSelection(tuple(chosen[: max(limit, 0)]), len(chosen), limit)


class PlacementRecord(BaseModel):
    """One placement as it arrives from outside (a JSON export of the catalog)."""

    model_config = ConfigDict(extra="ignore")

    record_id: str = Field(min_length=1, max_length=200)
    book_id: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=1000)
    authors: list[str] = Field(default_factory=list, max_length=50)
    call_number: str = Field(default="", max_length=200)
    subjects: list[str] = Field(default_factory=list, max_length=100)
    page_count: int | None = Field(default=None, ge=1, le=100_000)
    page_width_mm: float | None = Field(default=None, gt=0, le=2000)
    page_height_mm: float | None = Field(default=None, gt=0, le=2000)
    spine_color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")

    def placement(self) -> BookPlacement:
        return BookPlacement(
            record_id=self.record_id,
            book_id=self.book_id,
            title=self.title,
            authors=tuple(self.authors),
            call_number=self.call_number,
            subjects=tuple(self.subjects),
            page_count=self.page_count,
            page_width_mm=self.page_width_mm,
            page_height_mm=self.page_height_mm,
            spine_color=self.spine_color,
        )


def parse_placements(data: object) -> tuple[list[BookPlacement], int]:
    """Valid placements from a JSON list (or `{"books": [...]}`), and how many records
    were skipped as invalid."""
    items = data.get("books") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return [], 0
    out, skipped = [], 0
    for item in items:
        try:
            out.append(PlacementRecord.model_validate(item).placement())
        except ValidationError:
            skipped += 1
    return out, skipped


class JsonPlacementSource:
    """A JSON file of placements, re-read when it changes (so rooms rebuild when the books
    their shelves select change)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._source = InMemoryPlacementSource(())
        self.skipped = 0

    def _current(self) -> InMemoryPlacementSource:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._source = None, InMemoryPlacementSource(())
                return self._source
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                try:
                    data = json.loads(self.path.read_text("utf-8"))
                except (OSError, ValueError):
                    data = []
                books, self.skipped = parse_placements(data)
                self._source, self._stamp = InMemoryPlacementSource(books), stamp
            return self._source

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        return self._current().select(query, limit)


class NoPlacementSource:
    """No catalog connected: every shelf is empty."""

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        return ShelfSelection((), 0, limit)


def select_room_books(template: RoomTemplate, source: PlacementSource, cap: int) -> RoomBooks:
    """Ask the source for each shelf range in turn; the room as a whole holds at most
    `cap` books, and each selection remembers how many matched."""
    remaining = cap
    by_range: dict[str, ShelfSelection] = {}
    for shelf in template.shelf_ranges:
        selection = source.select(shelf.query, max(remaining, 0))
        placements = selection.placements[: max(remaining, 0)]
        by_range[shelf.id] = ShelfSelection(
            placements, max(selection.matched, len(placements)), cap
        )
        remaining -= len(placements)
    return RoomBooks(by_range, cap)


def placement_source(settings: Settings) -> PlacementSource:
    """The source rooms use until the catalog adapter is wired in: the JSON file named by
    READINGROOM_PLACEMENTS_FILE, or nothing (empty shelves)."""
    if settings.placements_file is not None:
        return JsonPlacementSource(settings.placements_file)
    return NoPlacementSource()
