"""`GET /api/v1/admin/audit`: the librarian and admin actions, newest first (admin only)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from experience_server.auth.roles import Principal
from experience_server.dependencies import ServicesDep, require
from experience_server.policy import Action

router = APIRouter(prefix="/api/v1/admin", tags=["identity"])


@router.get("/audit")
async def audit(
    services: ServicesDep,
    _: Annotated[Principal, Depends(require(Action.audit_read))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, description="Entries older than this id.")] = None,
) -> dict[str, Any]:
    """Time, user id, role, action, target id and outcome of each recorded action."""
    entries = await asyncio.to_thread(services.audit.entries, limit, before)
    return {"entries": [asdict(entry) for entry in entries]}
