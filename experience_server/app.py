"""The app factory: settings in, a wired FastAPI app out. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from catalog_adapter.location import RecordNotFoundError
from catalog_adapter.rfid_intake import RfidReadsRefusedError
from experience_server import __version__
from experience_server.errors import install_error_handlers, register_domain_error
from experience_server.observability import Metrics, RequestLogMiddleware
from experience_server.routers import health, identity, location
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
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    register_domain_error(app, RfidReadsRefusedError, 422, "rfid_reads_refused")
    register_domain_error(app, RecordNotFoundError, 404, "record_not_found")
    app.include_router(health.router)
    app.include_router(identity.router)
    _add_docs(app)
    app.include_router(location.router)
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    _mount_web_client(app)
    return app


def _add_docs(app: FastAPI) -> None:
    """Swagger UI served from our own npm copy: library networks often block CDNs."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="readingroom API",
            swagger_js_url="/vendor/swagger-ui-dist/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui-dist/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger-ui-dist/favicon-32x32.png",
        )


def _mount_web_client(app: FastAPI) -> None:
    vendor = WEB_CLIENT_DIR / "node_modules"
    if vendor.is_dir():
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/", StaticFiles(directory=WEB_CLIENT_DIR, html=True), name="web")
