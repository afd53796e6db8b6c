"""Where a copy is: shelf reader reads in (librarian and up: the RFID gateway signs in with
its own librarian token), location answers out (any signed-in user, kiosks included)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from catalog_adapter.item_lookup import ItemLookup
from experience_server.auth.roles import Principal
from experience_server.dependencies import PrincipalDep, ServicesDep, audited, require
from experience_server.policy import Action
from experience_server.routers.location_schema import (
    IntakeOut,
    MovementOut,
    RecordLocationOut,
    RfidReadIn,
    present_intake,
    present_location,
    present_movement,
)

MAX_READS_PER_POST = 10_000

router = APIRouter(prefix="/api/v1", tags=["location"])


def get_item_lookup(services: ServicesDep) -> ItemLookup:
    """The catalog's record -> copies port (overridable in tests)."""
    return services.item_lookup


ItemLookupDep = Annotated[ItemLookup, Depends(get_item_lookup)]
RfidPoster = Annotated[Principal, Depends(audited(Action.rfid_post), scope="function")]
RfidReader = Annotated[Principal, Depends(require(Action.rfid_read))]
Reads = Annotated[list[RfidReadIn], Body(max_length=MAX_READS_PER_POST)]


@router.post("/rfid/events")
async def post_rfid_events(
    reads: Reads,
    services: ServicesDep,
    catalog: ItemLookupDep,
    _: RfidPoster,
    skip_refused: Annotated[
        bool, Query(description="Keep the good reads and list the refused ones instead of 422.")
    ] = False,
) -> IntakeOut:
    """Record shelf reads; answers with the arrivals, moves and departures they caused. A
    read from an unknown reader or antenna, or of an unknown tag or item, refuses the whole
    batch with 422 and the reason for each (nothing is stored)."""
    raw = [read.raw() for read in reads]
    report = await asyncio.to_thread(services.rfid.submit, raw, catalog, skip_refused=skip_refused)
    return present_intake(report)


@router.get("/rfid/items/{item}/movements")
async def rfid_movements(
    item: Annotated[str, Path(min_length=1, max_length=128)],
    services: ServicesDep,
    _: RfidReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[MovementOut]:
    """A copy's newest arrivals, moves and departures, newest first."""
    movements = await asyncio.to_thread(services.rfid.movements, item, limit)
    return [present_movement(m) for m in movements]


@router.get("/catalog/records/{record_id}/location")
async def record_location(
    record_id: Annotated[str, Path(min_length=1, max_length=256)],
    services: ServicesDep,
    catalog: ItemLookupDep,
    _: PrincipalDep,
) -> RecordLocationOut:
    """Where each copy is, whether it is on the shelf, how fresh that is, and where to go."""
    answer = await services.location.locate(record_id, catalog)
    return present_location(answer)
