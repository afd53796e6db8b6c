"""The port through which rooms get their books: a `PlacementSource` answers a shelf
query with book placements (plain data `scenes` understands) and how many books matched.

The catalog (catalog_adapter) plugs in here: wrap its search in a class with this
`select` method. Until then, `JsonPlacementSource` serves a JSON list of placements (the
demo library's, or any export) and `InMemoryPlacementSource` a list in memory."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from book_renderer.library import book_id_for
from experience_server.settings import Settings
from scenes.placement import BookPlacement, RoomBooks, ShelfSelection
from scenes.template import RoomTemplate, ShelfQuery


class PlacementSource(Protocol):
    """Anything that can fill a shelf."""

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        """At most `limit` placements in shelf order, and the number that matched."""
        ...


log = logging.getLogger("readingroom.placements")

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
    return _CallRange(low, high).holds(call_number_key(call_number))


class _CallRange:
    """A range's bounds parsed once, to test many keys."""

    def __init__(self, low: str, high: str) -> None:
        self._lo, self._lo_len = _parse_call_number(low)
        self._hi, self._hi_len = _parse_call_number(high)

    def holds(self, key: CallKey) -> bool:
        if not key[0]:
            return False
        lo, hi = self._lo_len, self._hi_len
        return key[:lo] >= self._lo[:lo] and key[:hi] <= self._hi[:hi]


def _subjects_match(wanted: list[str], have: tuple[str, ...]) -> bool:
    return any(h.casefold().startswith(w) for w in wanted for h in have)


class InMemoryPlacementSource:
    """Placements held in memory (tests, benchmarks, a JSON export). Call-number keys are
    computed once; answers are remembered, since the books never change underneath."""

    _MEMO = 256

    def __init__(self, books: Sequence[BookPlacement]) -> None:
        self._books = tuple(books)
        self._by_id = {b.record_id: b for b in self._books}
        self._keys = [call_number_key(b.call_number) for b in self._books]
        self._memo: dict[tuple[str, int], ShelfSelection] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._books)

    def select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        memo_key = (query.model_dump_json(), limit)
        with self._lock:
            found = self._memo.get(memo_key)
        if found is None:
            found = self._select(query, max(limit, 0))
            with self._lock:
                if len(self._memo) >= self._MEMO:
                    self._memo.clear()
                self._memo[memo_key] = found
        return found

    def _select(self, query: ShelfQuery, limit: int) -> ShelfSelection:
        if query.records:
            hits = [self._by_id[r] for r in dict.fromkeys(query.records) if r in self._by_id]
            return ShelfSelection(tuple(hits[:limit]), len(hits), limit)
        indices: Iterable[int] = range(len(self._books))
        if query.call_number_range is not None:
            bounds = _CallRange(*query.call_number_range)
            indices = [i for i in indices if bounds.holds(self._keys[i])]
        if query.subjects:
            wanted = [w.casefold() for w in query.subjects]
            indices = [i for i in indices if _subjects_match(wanted, self._books[i].subjects)]
        chosen = list(indices)
        if query.sort == "title":
            chosen.sort(key=lambda i: (self._books[i].title.casefold(), self._books[i].record_id))
        else:
            chosen.sort(key=lambda i: (self._keys[i], self._books[i].record_id))
        return ShelfSelection(tuple(self._books[i] for i in chosen[:limit]), len(chosen), limit)


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
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """The demo library's manifest names an e-book by its PDF's digest: the book id."""

    def placement(self) -> BookPlacement:
        return BookPlacement(
            record_id=self.record_id,
            book_id=self.book_id or (book_id_for(self.sha256) if self.sha256 else None),
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
    """Valid placements from a JSON list, or from an object with `books` (and
    `print_only`, as the demo library's manifest.json has), and how many records were
    skipped as invalid."""
    if isinstance(data, dict):
        items = [*_as_list(data.get("books")), *_as_list(data.get("print_only"))]
    else:
        items = _as_list(data)
    out, skipped = [], 0
    for item in items:
        try:
            out.append(PlacementRecord.model_validate(item).placement())
        except ValidationError:
            skipped += 1
    return out, skipped


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


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
                self._stamp = stamp
                try:
                    data = json.loads(self.path.read_text("utf-8"))
                except (OSError, ValueError):
                    # Half-written or broken: keep the books we had rather than emptying
                    # every room that reads this file.
                    log.warning(
                        "placements file %s is not valid JSON; keeping the last good one", self.path
                    )
                    return self._source
                books, self.skipped = parse_placements(data)
                self._source = InMemoryPlacementSource(books)
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
    READINGROOM_PLACEMENTS_FILE, else the demo library's manifest (picked up whenever
    `readingroom demo` has built it; empty shelves until then)."""
    if settings.placements_file is not None:
        return JsonPlacementSource(settings.placements_file)
    return JsonPlacementSource(settings.demo_dir / "manifest.json")
