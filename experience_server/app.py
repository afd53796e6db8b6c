"""The app factory: settings in, a wired FastAPI app out. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from experience_server import __version__
from experience_server.errors import install_error_handlers, register_domain_error
from experience_server.observability import Metrics, RequestLogMiddleware
from experience_server.rooms.errors import (
    RoomAssetNotFoundError,
    RoomExistsError,
    RoomNotFoundError,
    RoomVersionConflictError,
)
from experience_server.routers import health, identity, rooms
from experience_server.services import open_services
from experience_server.settings import Settings
from scenes.errors import InvalidTemplateError, PreviewFailedError, PreviewUnavailableError
from scenes.profiles import UnknownProfileError

WEB_CLIENT_DIR = Path(__file__).resolve().parent.parent / "clients" / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings if settings is not None else Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings, metrics) as services:
            app.state.services = services
            yield

    app = FastAPI(
        title="readingroom",
        version=__version__,
        summary="3D books in shared virtual reading rooms, for VR headsets, touchscreens "
        "and smart blackboards.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    _register_room_errors(app)
    app.include_router(health.router)
    app.include_router(identity.router)
    app.include_router(rooms.router)
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    _mount_web_client(app)
    return app


def _register_room_errors(app: FastAPI) -> None:
    register_domain_error(app, InvalidTemplateError, 422, "invalid_template")
    register_domain_error(app, UnknownProfileError, 422, "unknown_profile")
    register_domain_error(app, RoomNotFoundError, 404, "room_not_found")
    register_domain_error(app, RoomAssetNotFoundError, 404, "not_found")
    register_domain_error(app, RoomExistsError, 409, "room_exists")
    register_domain_error(app, RoomVersionConflictError, 412, "version_conflict")
    register_domain_error(app, PreviewUnavailableError, 503, "preview_unavailable")
    register_domain_error(app, PreviewFailedError, 503, "preview_failed")


def _mount_web_client(app: FastAPI) -> None:
    vendor = WEB_CLIENT_DIR / "node_modules"
    if vendor.is_dir():
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/", StaticFiles(directory=WEB_CLIENT_DIR, html=True), name="web")
