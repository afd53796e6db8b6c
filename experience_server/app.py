"""The app factory: settings in, a wired FastAPI app out. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from catalog_adapter.location import RecordNotFoundError
from catalog_adapter.rfid_intake import RfidReadsRefusedError
from experience_server import __version__
from experience_server.books.errors import register_book_errors
from experience_server.errors import install_error_handlers, register_domain_error
from experience_server.limits import BodyLimitMiddleware
from experience_server.observability import Metrics, RequestLogMiddleware
from experience_server.rooms.errors import (
    RoomAssetNotFoundError,
    RoomExistsError,
    RoomNotFoundError,
    RoomVersionConflictError,
)
from experience_server.routers import (
    analytics,
    audit,
    books,
    catalog,
    health,
    identity,
    iiif,
    location,
    poses,
    privacy,
    rooms,
    sessions,
)
from experience_server.services import open_services
from experience_server.settings import Settings
from experience_server.websocket_send import RawWebSocketSend
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
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    register_domain_error(app, RfidReadsRefusedError, 422, "rfid_reads_refused")
    register_domain_error(app, RecordNotFoundError, 404, "record_not_found")
    catalog.register_errors(app)
    register_book_errors(app)
    _register_room_errors(app)
    app.include_router(health.router)
    app.include_router(identity.router)
    app.include_router(audit.router)
    app.include_router(books.router)
    app.include_router(iiif.router)
    app.include_router(rooms.router)
    app.include_router(location.router)
    app.include_router(catalog.router)
    app.include_router(analytics.router)
    app.include_router(privacy.router)
    # Before any `/ws/rooms/{room}/{layer}` route, which would also match `poses`.
    app.include_router(poses.router)
    app.include_router(sessions.router)
    sessions.register_errors(app)
    _add_docs(app)
    app.add_middleware(
        BodyLimitMiddleware,
        body_limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
    )
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    app.add_middleware(RawWebSocketSend)
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


class WebClientFiles(StaticFiles):
    """The client's own files only: GET/HEAD, and none of the npm or package metadata
    (node_modules is served read-only at /vendor/)."""

    _HIDDEN = frozenset({"node_modules", "package.json", "package-lock.json", "README.md"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            # The catch-all mount swallowed a request no route took: 405 when a route has
            # this path with other methods, else 404.
            routes = scope["app"].router.routes
            known = any(r.matches(scope)[0] == Match.PARTIAL for r in routes if r is not self)
            raise StarletteHTTPException(405 if known else 404)
        await super().__call__(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        first = path.replace("\\", "/").lstrip("/").split("/", 1)[0]
        if first in self._HIDDEN:
            raise StarletteHTTPException(404)
        return path


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
    app.mount("/", WebClientFiles(directory=WEB_CLIENT_DIR, html=True), name="web")
