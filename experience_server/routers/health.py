"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from experience_server.dependencies import ServicesDep
from experience_server.errors import error_response
from experience_server.services import Services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


async def _checks(services: Services) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        await asyncio.to_thread(services.database.ping)
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "reason": type(exc).__name__}
    try:
        await asyncio.to_thread(services.assets.check_writable)
        checks["assets"] = {"ok": True}
    except OSError as exc:
        checks["assets"] = {"ok": False, "reason": exc.strerror or type(exc).__name__}
    previews = services.rooms.check_previews()
    checks["previews"] = {
        "ok": previews.ok,
        "state": previews.state,
        "detail": previews.detail,
        "critical": False,
    }
    if not previews.ok:
        checks["previews"]["reason"] = previews.detail
    if services.redis is not None:
        try:
            await asyncio.wait_for(services.redis.ping(), timeout=2.0)
            checks["redis"] = {"ok": True}
        except Exception as exc:
            checks["redis"] = {"ok": False, "reason": type(exc).__name__}
    return checks


@router.get("/readyz")
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready when the database, the asset directory and (if configured) Redis answer.
    Checks marked `critical: false` (previews) are reported but do not fail readiness:
    without them the rest of the API works."""
    checks = await _checks(services)
    ready = all(check["ok"] for check in checks.values() if check.get("critical", True))
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    if ready:
        return JSONResponse(body)
    return error_response(503, "not_ready", "a dependency is down", body)


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
