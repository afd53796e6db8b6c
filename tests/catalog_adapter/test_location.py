"""How shelf reads and the ILS combine into one answer per copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_adapter.item_lookup import InMemoryItemLookup, ItemRef
from catalog_adapter.location import (
    Guidance,
    IlsEvidence,
    LocationService,
    RecordNotFoundError,
    RfidEvidence,
    merge_copy,
)
from catalog_adapter.rfid import Read, Rules, Spot
from catalog_adapter.rfid_store import RfidLedger
from catalog_adapter.shelf_map import Place, ShelfMapSource
from catalog_adapter.sip2 import IlsItem, Sip2Client, Sip2Config
from tests.catalog_adapter.maps import write_reader_map
from tests.catalog_adapter.sip2_acs import AcsItem, running_acs
from tests.support.net import free_port

COPY = ItemRef("39001001", "PL2727 .S2 1982", "Main stacks")
SHELF = Spot("R-3-12", "1")
PLACE = Place("3", "12", "1", 410.0, 230.0, "Third floor, range 12, shelf 1")
GUIDE = Guidance(PLACE, "rfid", "Third floor", None, None, None, SHELF)


def rfid(state: str = "present", stale: bool = False) -> RfidEvidence:
    return RfidEvidence(state, SHELF, 0.0, 10.0, 5.0, stale)  # type: ignore[arg-type]


def ils(status: str, due: str | None = None) -> IlsEvidence:
    item = IlsItem(COPY.barcode, True, status, "t", "MAIN-3F", "MAIN-3F", due, 0.0)
    return IlsEvidence("ok", item, 1.0)


UNAVAILABLE = IlsEvidence("unknown: ILS unavailable")


@pytest.mark.parametrize(
    ("shelf", "ils_said", "state", "on_shelf", "summary"),
    [
        (rfid(), ils("03"), "on_shelf", True, "on the shelf: Third floor, range 12, shelf 1"),
        (rfid(), UNAVAILABLE, "on_shelf", True, "on the shelf: Third floor, range 12, shelf 1"),
        (None, UNAVAILABLE, "unknown", None, "unknown: ILS unavailable"),
        (rfid(stale=True), UNAVAILABLE, "unknown", None, "unknown: ILS unavailable"),
        (rfid("departed"), UNAVAILABLE, "off_shelf", False, "off the shelf (last seen: "
         "Third floor, range 12, shelf 1)"),
        (None, ils("04", "20260101"), "checked_out", False, "charged, due 20260101"),
        (rfid("departed"), ils("04"), "checked_out", False, "charged"),
        (rfid("departed"), ils("03"), "off_shelf", False, "off the shelf (last seen: "
         "Third floor, range 12, shelf 1)"),
        (None, ils("03"), "on_shelf", True, "available"),
        (None, ils("08"), "on_hold_shelf", False, "waiting on hold shelf"),
        (None, ils("10"), "in_transit", False, "in transit between library locations"),
        (None, ils("12"), "lost", False, "lost"),
        (None, IlsEvidence("not configured"), "unknown", None,
         "unknown: no shelf read and no ILS configured"),
    ],
)  # fmt: skip
def test_merge_rules(
    shelf: RfidEvidence | None, ils_said: IlsEvidence, state: str, on_shelf: bool | None,
    summary: str,
) -> None:  # fmt: skip
    guidance = GUIDE if shelf is not None else None
    copy = merge_copy(COPY, shelf, ils_said, guidance)
    assert (copy.state, copy.on_shelf, copy.summary) == (state, on_shelf, summary)


def test_a_fresh_shelf_read_beats_the_ils_and_says_so() -> None:
    copy = merge_copy(COPY, rfid(), ils("04"), GUIDE)
    assert copy.on_shelf is True
    assert copy.notes == ["the ILS lists it as charged; a shelf read says otherwise"]


async def test_service_merges_ledger_map_and_a_real_ils(tmp_path: Path) -> None:
    maps = ShelfMapSource(write_reader_map(tmp_path))
    ledger = RfidLedger(tmp_path / "db.sqlite3", Rules(0.0, 120.0), clock=lambda: 1000.0)
    ledger.open()
    ledger.record([Read("c1", SHELF, 990.0)], {})
    catalog = InMemoryItemLookup({"r1": [ItemRef("c1"), ItemRef("c2"), ItemRef("c3")]})
    items = {"c2": AcsItem("03", "t", "MAIN-3F", "MAIN-3F"), "c3": AcsItem("04", "t")}
    with running_acs(items) as acs:
        sip2 = Sip2Client(Sip2Config("127.0.0.1", acs.port, "MAIN", 30.0), clock=lambda: 999.0)
        service = LocationService(ledger, maps, sip2, stale_seconds=900, clock=lambda: 1000.0)
        answer = await service.locate("r1", catalog)
        await sip2.aclose()
    ledger.close()
    c1, c2, c3 = answer.copies
    assert c1.state == "on_shelf"
    assert c1.guidance is not None
    assert (c1.guidance.source, c1.guidance.place.shelf, c1.guidance.plan_image) == (
        "rfid",
        "1",
        "/plans/3f.svg",
    )
    assert c1.rfid is not None
    assert c1.rfid.age_seconds == 10.0
    assert c1.ils.status == "not in ILS"
    assert c2.state == "on_shelf"
    assert c2.guidance is not None
    assert (c2.guidance.source, c2.guidance.place.label) == ("ils", "Third floor stacks")
    assert c2.ils.age_seconds == 1.0
    assert c3.state == "checked_out"
    assert c3.on_shelf is False
    assert answer.summary == "2 of 3 copies on the shelf"


async def test_service_refuses_an_unknown_record(tmp_path: Path) -> None:
    ledger = RfidLedger(tmp_path / "db.sqlite3", Rules(0.0, 120.0))
    ledger.open()
    sip2 = Sip2Client(Sip2Config("127.0.0.1", free_port(), "MAIN", 1.0))
    service = LocationService(ledger, ShelfMapSource(None), sip2, stale_seconds=900)
    with pytest.raises(RecordNotFoundError):
        await service.locate("nope", InMemoryItemLookup())
    ledger.close()
