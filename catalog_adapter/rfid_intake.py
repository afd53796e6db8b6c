"""Reads posted by shelf readers, checked against the reader map and the catalog before they
touch the ledger: a read from a reader we cannot place, or of a tag we cannot tie to a copy
we hold, is refused with its reason, and a refused batch stores nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from catalog_adapter.item_lookup import ItemLookup
from catalog_adapter.rfid import Movement, Read, Spot
from catalog_adapter.rfid_store import RfidLedger
from catalog_adapter.shelf_map import ShelfMapSource

MAX_CLOCK_AHEAD_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RawRead:
    """A read as a shelf reader reports it; `item` may be left out once its tag is bound."""

    reader: str
    antenna: str
    tag: str
    item: str | None
    seen_at: float


@dataclass(frozen=True, slots=True)
class Refusal:
    index: int
    field: str
    reason: str


class RfidReadsRefusedError(Exception):
    """Some reads name a reader, antenna, tag or item we do not know; nothing was stored."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        first = refusals[0]
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        super().__init__(f"read {first.index}: {first.reason}{more}; nothing was stored")
        self.refusals = list(refusals)
        self.detail = [
            {"index": r.index, "field": r.field, "reason": r.reason} for r in self.refusals
        ]


@dataclass(frozen=True, slots=True)
class IntakeReport:
    accepted: int
    late: int
    refused: list[Refusal]
    movements: list[Movement]


class RfidIntake:
    """Validates a batch, resolves tags to items, and hands the good reads to the ledger."""

    def __init__(
        self, ledger: RfidLedger, maps: ShelfMapSource, clock: Callable[[], float] = time.time
    ) -> None:
        self._ledger = ledger
        self._maps = maps
        self._clock = clock

    def movements(self, item: str, limit: int = 50) -> list[Movement]:
        return self._ledger.movements(item, limit)

    def submit(
        self, reads: Sequence[RawRead], catalog: ItemLookup, *, skip_refused: bool = False
    ) -> IntakeReport:
        """Record `reads`; with `skip_refused` the good reads are kept and the refused listed,
        otherwise one refused read refuses the batch (RfidReadsRefusedError)."""
        shelf_map = self._maps.current()
        refused: dict[int, Refusal] = {}
        horizon = self._clock() + MAX_CLOCK_AHEAD_SECONDS
        for i, raw in enumerate(reads):
            problem = shelf_map.problem(raw.reader, raw.antenna)
            if problem is not None:
                refused[i] = Refusal(i, *problem)
            elif raw.seen_at > horizon:
                reason = "seen_at lies in the future: check the reader's clock"
                refused[i] = Refusal(i, "seen_at", reason)

        named = {raw.item for raw in reads if raw.item is not None}
        held = catalog.items_by_barcode(named) if named else {}
        bound = self._ledger.bound_items({raw.tag for raw in reads if raw.item is None})
        good: list[Read] = []
        bindings: dict[str, str] = {}
        for i, raw in enumerate(reads):
            if i in refused:
                continue
            item = raw.item if raw.item is not None else bound.get(raw.tag)
            if raw.item is None and item is None:
                reason = f"unknown tag {raw.tag!r}: not bound to a copy yet; send its item once"
                refused[i] = Refusal(i, "tag", reason)
            elif raw.item is not None and raw.item not in held:
                reason = f"unknown item {raw.item!r}: not a copy in the catalog"
                refused[i] = Refusal(i, "item", reason)
            else:
                assert item is not None
                if raw.item is not None:
                    bindings[raw.tag] = raw.item
                good.append(Read(item, Spot(raw.reader, raw.antenna), raw.seen_at))

        refusals = [refused[i] for i in sorted(refused)]
        if refusals and not skip_refused:
            raise RfidReadsRefusedError(refusals)
        recorded = self._ledger.record(good, bindings) if good else None
        return IntakeReport(
            accepted=len(good) - (recorded.late_reads if recorded else 0),
            late=recorded.late_reads if recorded else 0,
            refused=refusals,
            movements=recorded.movements if recorded else [],
        )
