"""A reader's own data: reading history in, and export or deletion of everything stored
about them (every registered provider: catalog loans and history, and more as packages
register)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from experience_server.dependencies import PrincipalDep, ServicesDep

router = APIRouter(prefix="/api/v1/me", tags=["privacy"])


class ReadingEvent(BaseModel):
    book: str = Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")
    page: int | None = Field(default=None, ge=1, le=100_000)


@router.post("/history", status_code=204)
async def record_reading(
    services: ServicesDep, principal: PrincipalDep, event: ReadingEvent
) -> Response:
    """Note that the caller opened a book (kept for READINGROOM_HISTORY_RETENTION_DAYS)."""
    await asyncio.to_thread(services.library.record_reading, principal.user, event.book, event.page)
    return Response(status_code=204)


@router.get("/history")
async def history(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    events = await asyncio.to_thread(services.library.history.events, principal.user)
    return {
        "retention_days": services.settings.history_retention_days,
        "events": [{"book": e.book_id, "page": e.page, "at": e.at.isoformat()} for e in events],
    }


@router.get("/data")
async def export_data(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Everything readingroom stores about the caller, as JSON."""
    parts = await asyncio.to_thread(services.privacy.export, principal.user)
    return {
        "user": principal.user,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": parts,
    }


@router.delete("/data")
async def delete_data(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Delete everything readingroom stores about the caller; counts per part."""
    deleted = await asyncio.to_thread(services.privacy.delete, principal.user)
    return {"user": principal.user, "deleted": deleted}
