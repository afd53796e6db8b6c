"""The app factory: settings in, a wired FastAPI app out. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from experience_server import __version__
from experience_server.errors import install_error_handlers
from experience_server.observability import Metrics, RequestLogMiddleware
from experience_server.routers import health, identity, sessions
from experience_server.services import open_services
from experience_server.settings import Settings

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
    app.include_router(health.router)
    app.include_router(identity.router)
    app.include_router(sessions.router)
    sessions.register_errors(app)
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    _mount_web_client(app)
    return app


def _mount_web_client(app: FastAPI) -> None:
    vendor = WEB_CLIENT_DIR / "node_modules"
    if vendor.is_dir():
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/", StaticFiles(directory=WEB_CLIENT_DIR, html=True), name="web")
