"""Who am I, and the admin's view of the server."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from experience_server import __version__
from experience_server.auth.roles import Principal, Role
from experience_server.dependencies import PrincipalDep, ServicesDep, require
from experience_server.policy import Action

router = APIRouter(prefix="/api/v1", tags=["identity"])


class Me(BaseModel):
    user: str
    name: str
    role: str
    roles: list[str]


class AdminStatus(BaseModel):
    version: str
    uptime_seconds: float
    redis: bool
    counts: dict[str, int]


@router.get("/me")
async def me(principal: PrincipalDep) -> Me:
    """Who the token says you are, your role and every role it includes."""
    return Me(
        user=principal.user,
        name=principal.name,
        role=principal.role.name,
        roles=[role.name for role in Role if role <= principal.role],
    )


@router.get("/admin/status")
async def admin_status(
    services: ServicesDep, _: Annotated[Principal, Depends(require(Action.admin_status))]
) -> AdminStatus:
    """Version, uptime and what the server holds (admin only)."""
    counts = await asyncio.to_thread(services.counts)
    return AdminStatus(
        version=__version__,
        uptime_seconds=round(time.time() - services.started_at, 3),
        redis=services.redis is not None,
        counts=counts,
    )
