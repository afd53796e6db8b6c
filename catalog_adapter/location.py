"""Where each copy of a record is: shelf reads and the ILS merged into one answer per copy,
with how fresh each source is and the guidance a client needs to lead a reader there
(floor, range, shelf, a point on the floor plan).

A fresh shelf read is the best evidence of where a book physically is, so it wins; the ILS
explains why a book is not on a shelf (checked out, on the hold shelf, in transit). When
the ILS cannot be asked, the answer says so ("unknown: ILS unavailable") rather than fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from catalog_adapter.item_lookup import ItemLookup, ItemRef
from catalog_adapter.rfid import Spot, Track, TrackState
from catalog_adapter.rfid_store import RfidLedger
from catalog_adapter.shelf_map import Place, ShelfMap, ShelfMapSource
from catalog_adapter.sip2 import IlsAnswers, IlsItem, Sip2Client

CopyState = Literal[
    "on_shelf", "off_shelf", "checked_out", "on_hold_shelf", "in_transit", "reshelving",
    "in_process", "on_order", "missing", "lost", "not_in_ils", "unknown",
]  # fmt: skip
IlsStatus = Literal["ok", "unknown: ILS unavailable", "not configured", "not in ILS"]

_BY_CIRCULATION: dict[str, CopyState] = {
    "02": "on_order", "03": "on_shelf", "04": "checked_out", "05": "checked_out",
    "06": "in_process", "07": "checked_out", "08": "on_hold_shelf", "09": "reshelving",
    "10": "in_transit", "11": "missing", "12": "lost", "13": "missing",
}  # fmt: skip


class RecordNotFoundError(Exception):
    """The catalog has no record with this id."""


@dataclass(frozen=True, slots=True)
class RfidEvidence:
    state: TrackState
    spot: Spot | None
    since: float | None
    last_seen: float | None
    age_seconds: float | None
    stale: bool


@dataclass(frozen=True, slots=True)
class IlsEvidence:
    status: IlsStatus
    item: IlsItem | None = None
    age_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Guidance:
    """A place to lead the reader to; `source` says which evidence gave it."""

    place: Place
    source: Literal["rfid", "ils"]
    floor_name: str
    plan_image: str | None
    plan_width: float | None
    plan_height: float | None
    spot: Spot | None


@dataclass(frozen=True, slots=True)
class CopyLocation:
    item: ItemRef
    state: CopyState
    on_shelf: bool | None
    summary: str
    guidance: Guidance | None
    rfid: RfidEvidence | None
    ils: IlsEvidence
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RecordLocation:
    record_id: str
    as_of: float
    copies: list[CopyLocation]

    @property
    def summary(self) -> str:
        on = sum(1 for copy in self.copies if copy.on_shelf)
        return f"{on} of {len(self.copies)} copies on the shelf"


def _rfid_evidence(track: Track | None, now: float, stale_seconds: float) -> RfidEvidence | None:
    if track is None:
        return None
    seen = track.last_seen if track.state != "pending" else track.candidate_last
    spot = track.spot if track.state != "pending" else track.candidate
    age = None if seen is None else max(0.0, now - seen)
    stale = age is None or age > stale_seconds
    return RfidEvidence(track.state, spot, track.since, seen, age, stale)


def _guidance(
    shelf_map: ShelfMap, rfid: RfidEvidence | None, ils: IlsItem | None
) -> Guidance | None:
    """The RFID antenna's shelf if a read placed the copy, else the ILS location code's
    place if the map lists it."""
    place: Place | None = None
    source: Literal["rfid", "ils"] = "rfid"
    spot = rfid.spot if rfid is not None and rfid.state != "pending" else None
    if spot is not None:
        place = shelf_map.place(spot.reader, spot.antenna)
    if place is None and ils is not None:
        source = "ils"
        for code in (ils.current_location, ils.permanent_location):
            if code is not None and code in shelf_map.collections:
                place = shelf_map.collections[code]
                break
    if place is None:
        return None
    plan = shelf_map.floors.get(place.floor)
    return Guidance(
        place=place,
        source=source,
        floor_name=plan.name if plan is not None and plan.name else place.floor,
        plan_image=plan.image if plan else None,
        plan_width=plan.width if plan else None,
        plan_height=plan.height if plan else None,
        spot=spot if source == "rfid" else None,
    )


def merge_copy(
    item: ItemRef,
    rfid: RfidEvidence | None,
    ils: IlsEvidence,
    guidance: Guidance | None,
) -> CopyLocation:
    """One copy's answer from its two sources (the rules are listed in docs/location.md)."""
    notes: list[str] = []
    present = rfid is not None and rfid.state == "present" and not rfid.stale
    departed = rfid is not None and rfid.state == "departed"
    ils_item = ils.item if ils.status == "ok" else None
    ils_state: CopyState | None = None
    if ils_item is not None:
        ils_state = _BY_CIRCULATION.get(ils_item.circulation_status, "unknown")
    where = guidance.place.label if guidance is not None else None

    state: CopyState
    if present:
        state = "on_shelf"
        summary = f"on the shelf: {where}" if where else "on a shelf"
        if ils_item is not None and ils_state not in ("on_shelf", "unknown"):
            notes.append(f"the ILS lists it as {ils_item.circulation}; a shelf read says otherwise")
    elif ils_state is not None and ils_item is not None:
        state = ils_state
        if ils_state == "on_shelf" and departed:
            state = "off_shelf"
            summary = f"off the shelf (last seen: {where})" if where else "off the shelf"
            notes.append("not checked out: it may be in use in the library")
        elif ils_state == "on_shelf":
            summary = f"available: {where}" if where else "available"
            if rfid is not None and rfid.stale:
                notes.append("no recent shelf read confirms it")
        else:
            summary = ils_item.circulation
            if ils_item.due_date and state == "checked_out":
                summary += f", due {ils_item.due_date}"
    elif ils.status == "not in ILS":
        state = "off_shelf" if departed else "not_in_ils"
        summary = "off the shelf" if departed else "unknown: the ILS does not know this copy"
    elif departed:
        state = "off_shelf"
        summary = f"off the shelf (last seen: {where})" if where else "off the shelf"
    else:
        state = "unknown"
        if ils.status == "unknown: ILS unavailable":
            summary = "unknown: ILS unavailable"
        else:
            summary = "unknown: no shelf read and no ILS configured"
        if rfid is not None and rfid.state == "present" and where:
            notes.append(f"last seen on the shelf {where}, but not recently")

    on_shelf = {"on_shelf": True, "unknown": None, "not_in_ils": None}.get(state, False)
    return CopyLocation(item, state, on_shelf, summary, guidance, rfid, ils, notes)


class LocationService:
    """Answers `where are the copies of this record`, from the ledger, the ILS and the map."""

    def __init__(
        self,
        ledger: RfidLedger,
        maps: ShelfMapSource,
        sip2: Sip2Client | None,
        stale_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ledger = ledger
        self._maps = maps
        self._sip2 = sip2
        self._stale_seconds = stale_seconds
        self._clock = clock

    async def locate(self, record_id: str, catalog: ItemLookup) -> RecordLocation:
        items = await asyncio.to_thread(catalog.items_for_record, record_id)
        if items is None:
            raise RecordNotFoundError(f"no catalog record {record_id!r}")
        barcodes = [item.barcode for item in items]
        tracks = await asyncio.to_thread(self._ledger.tracks, barcodes)
        answers = await self._sip2.lookup(barcodes) if self._sip2 is not None and barcodes else None
        now = self._clock()
        shelf_map = await asyncio.to_thread(self._maps.current)
        copies = []
        for item in items:
            rfid = _rfid_evidence(tracks.get(item.barcode), now, self._stale_seconds)
            ils = self._ils_evidence(answers, item.barcode, now)
            guidance = _guidance(shelf_map, rfid, ils.item)
            copies.append(merge_copy(item, rfid, ils, guidance))
        return RecordLocation(record_id, now, copies)

    def _ils_evidence(self, answers: IlsAnswers | None, barcode: str, now: float) -> IlsEvidence:
        if self._sip2 is None:
            return IlsEvidence("not configured")
        found = answers.items.get(barcode) if answers is not None else None
        if found is None:
            if answers is not None and answers.failure is None:
                return IlsEvidence("not in ILS")  # a barcode SIP2 cannot carry
            return IlsEvidence("unknown: ILS unavailable")
        age = max(0.0, now - found.checked_at)
        return IlsEvidence("ok" if found.known else "not in ILS", found, age)
