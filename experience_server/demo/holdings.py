"""Print copies on real shelves: which library, floor, range and shelf each copy stands on.

Floors follow the collections (library science on 1, sciences on 2, European literature on
3, the East Asian collection on 4) and copies stand in call-number order, as a reader
walking the ranges would find them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from experience_server.demo.books import BookSpec
from experience_server.demo.isbn import make_barcode

LIBRARIES = {"MAIN": "Main Library", "SCI": "Science Library"}
_FLOORS = {
    "library-science": 1,
    "mathematics": 2,
    "physics": 2,
    "european-literature": 3,
    "chinese-literature": 4,
}
_PER_SHELF = 24
_SHELVES = 6


@dataclass(frozen=True)
class Copy:
    """A shelved copy before circulation decides whether it is on the shelf."""

    barcode: str
    branch: str  # Koha branch code, a key of LIBRARIES
    floor: int
    range: str
    shelf: int
    copy_number: int
    acquired: str  # ISO date
    missing: bool

    @property
    def library(self) -> str:
        return LIBRARIES[self.branch]

    @property
    def shelving_location(self) -> str:
        """Koha's shelving location code for the floor, e.g. FL3."""
        return f"FL{self.floor}"


def lc_sort_key(call_number: str) -> tuple[str, float, str]:
    """Library of Congress order: class letters, class number as a number, then the rest."""
    match = re.match(r"([A-Z]+)(\d+(?:\.\d+)?)\s*(.*)", call_number)
    if not match:
        return (call_number, 0.0, "")
    return (match.group(1), float(match.group(2)), match.group(3))


def shelve(specs: list[BookSpec], seed: str) -> dict[str, list[Copy]]:
    """Copies per spec key: one to three each, barcodes numbered in catalog order."""
    rng = random.Random(f"{seed}:holdings")
    counts = {s.key: (3 if not s.ebook else rng.choice((1, 2, 2, 3))) for s in specs}
    barcodes = iter(range(1, 10_000))
    places: dict[str, list[tuple[str, int]]] = {}
    for spec in specs:
        places[spec.key] = [("MAIN", _floor(spec))] * counts[spec.key]
        if spec.zone in ("mathematics", "physics") and counts[spec.key] > 1:
            places[spec.key][-1] = ("SCI", 1 + rng.randrange(2))
    positions = _positions(specs, places, rng)
    missing_key = rng.choice([s.key for s in specs if counts[s.key] > 1])
    copies: dict[str, list[Copy]] = {}
    for spec in specs:
        copies[spec.key] = []
        for number, (branch, floor) in enumerate(places[spec.key], start=1):
            range_label, shelf = positions[(spec.key, branch, floor)]
            acquired = (
                f"{spec.year + rng.randrange(2)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            )
            copies[spec.key].append(
                Copy(
                    barcode=make_barcode(next(barcodes)),
                    branch=branch,
                    floor=floor,
                    range=range_label,
                    shelf=shelf,
                    copy_number=number,
                    acquired=acquired,
                    missing=spec.key == missing_key and number == len(places[spec.key]),
                )
            )
    return copies


def _floor(spec: BookSpec) -> int:
    if spec.language in ("chi", "jpn"):
        return 4
    return _FLOORS[spec.zone]


def _positions(
    specs: list[BookSpec], places: dict[str, list[tuple[str, int]]], rng: random.Random
) -> dict[tuple[str, str, int], tuple[str, int]]:
    """Walk each floor in call-number order, leaving room for the rest of the collection."""
    by_floor: dict[tuple[str, int], list[BookSpec]] = {}
    for spec in specs:
        for place in dict.fromkeys(places[spec.key]):
            by_floor.setdefault(place, []).append(spec)
    positions: dict[tuple[str, str, int], tuple[str, int]] = {}
    for (branch, floor), shelved in sorted(by_floor.items()):
        cursor = rng.randrange(_PER_SHELF * _SHELVES)
        for spec in sorted(shelved, key=lambda s: lc_sort_key(s.call_number)):
            cursor += rng.randint(10, 160)
            range_number = 1 + cursor // (_PER_SHELF * _SHELVES)
            shelf = 1 + (cursor % (_PER_SHELF * _SHELVES)) // _PER_SHELF
            positions[(spec.key, branch, floor)] = (f"{floor}-{range_number:02d}", shelf)
    return positions
