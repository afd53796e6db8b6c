"""Shelf reads -> arrived, moved and departed, with debouncing.

Smart-shelf antennas overlap and a carried book brushes past shelves, so a single read is
weak evidence. A copy counts as arrived at (or moved to) an antenna only after that antenna
alone has read it for the debounce window; a read at its confirmed antenna cancels a pending
move, so a tag flickering between neighbours stays put. It departs when its reader keeps
reporting for the departure window without reading it. Times are the readers' own
`seen_at` (event time), so batching and network delay never cause a move, and a reader that
goes silent leaves its copies in place (they go stale) instead of emptying its shelves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MovementKind = Literal["arrived", "moved", "departed"]
TrackState = Literal["pending", "present", "departed"]


@dataclass(frozen=True, slots=True)
class Rules:
    """Debounce window and departure window, in seconds of reader time."""

    debounce_seconds: float
    departure_seconds: float

    def __post_init__(self) -> None:
        if self.debounce_seconds < 0:
            raise ValueError("the debounce window cannot be negative")
        if self.departure_seconds <= self.debounce_seconds:
            raise ValueError("the departure window must be longer than the debounce window")


@dataclass(frozen=True, slots=True)
class Spot:
    """One reader antenna: the smallest place a read can name."""

    reader: str
    antenna: str


@dataclass(frozen=True, slots=True)
class Read:
    """One read of a copy's tag, its item already resolved."""

    item: str
    spot: Spot
    seen_at: float


@dataclass(frozen=True, slots=True)
class Movement:
    """A change of where a copy is. `at` is when it was first read at the new spot (arrived,
    moved) or last read at the old one (departed)."""

    item: str
    kind: MovementKind
    at: float
    origin: Spot | None
    target: Spot | None


@dataclass(slots=True)
class Track:
    """What is known about one copy: its confirmed spot and a candidate spot it may be
    moving to."""

    item: str
    state: TrackState = "pending"
    spot: Spot | None = None
    since: float | None = None
    last_seen: float | None = None
    candidate: Spot | None = None
    candidate_first: float | None = None
    candidate_last: float | None = None
    last_read: float | None = None

    def is_late(self, read: Read) -> bool:
        """A read older than one already applied (a delayed batch) changes nothing."""
        return self.last_read is not None and read.seen_at < self.last_read

    def observe(self, read: Read, rules: Rules) -> Movement | None:
        if self.is_late(read):
            return None
        self.last_read = read.seen_at
        if self.state == "present" and read.spot == self.spot:
            self.last_seen = read.seen_at
            self._clear_candidate()
            return None
        if (
            read.spot != self.candidate
            or self.candidate_first is None
            or self.candidate_last is None
            or read.seen_at - self.candidate_last > rules.departure_seconds
        ):
            self.candidate = read.spot
            self.candidate_first = read.seen_at
        self.candidate_last = read.seen_at
        assert self.candidate_first is not None
        if read.seen_at - self.candidate_first < rules.debounce_seconds:
            return None
        moved = self.state == "present"
        movement = Movement(
            item=self.item,
            kind="moved" if moved else "arrived",
            at=self.candidate_first,
            origin=self.spot if moved else None,
            target=read.spot,
        )
        self.state = "present"
        self.spot = read.spot
        self.since = self.candidate_first
        self.last_seen = read.seen_at
        self._clear_candidate()
        return movement

    def depart(self, reader_last_report: float, rules: Rules) -> Movement | None:
        """Departed if its reader has reported for the departure window without it."""
        if self.state != "present" or self.spot is None or self.last_seen is None:
            return None
        if reader_last_report - self.last_seen < rules.departure_seconds:
            return None
        self.state = "departed"
        return Movement(self.item, "departed", self.last_seen, self.spot, None)

    def _clear_candidate(self) -> None:
        self.candidate = None
        self.candidate_first = None
        self.candidate_last = None
