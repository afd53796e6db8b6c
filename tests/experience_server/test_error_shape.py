"""Every 4xx/5xx is `{"error": {"code", "message", "detail"}}`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from experience_server.app import create_app
from experience_server.errors import register_domain_error
from experience_server.settings import Settings


def assert_error_shape(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


class Shelf(BaseModel):
    name: str
    bays: int


class ShelfFull(Exception):
    pass


def app_with_probe_routes(settings: Settings) -> FastAPI:
    """The real app plus two routes that exercise body validation and domain errors."""
    app = create_app(settings)

    @app.post("/probe/shelves")
    async def create_shelf(shelf: Shelf) -> Shelf:
        return shelf

    @app.get("/probe/full")
    async def full() -> None:
        raise ShelfFull("the shelf holds no more books")

    register_domain_error(app, ShelfFull, 409, "shelf_full")
    # Routes added after create_app must come before the web client mounted at "/".
    app.router.routes.sort(key=lambda route: getattr(route, "path", "") == "")
    return app


def test_unknown_url_is_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_wrong_method_is_405_in_the_error_shape(client: TestClient) -> None:
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert_error_shape(response.json(), "method_not_allowed")


def test_bad_json_is_422_naming_the_problem(app_settings: Settings) -> None:
    with TestClient(app_with_probe_routes(app_settings)) as client:
        broken = client.post(
            "/probe/shelves", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert broken.status_code == 422
        assert_error_shape(broken.json(), "invalid_request")

        wrong = client.post("/probe/shelves", json={"name": "A", "bays": "many"})
        assert wrong.status_code == 422
        body = wrong.json()
        assert_error_shape(body, "invalid_request")
        assert body["error"]["detail"][0]["loc"] == ["body", "bays"]
        assert "many" not in wrong.text, "the offending input is not echoed back"


def test_domain_errors_map_to_their_status(app_settings: Settings) -> None:
    with TestClient(app_with_probe_routes(app_settings)) as client:
        response = client.get("/probe/full")
        assert response.status_code == 409
        assert_error_shape(response.json(), "shelf_full")
        assert response.json()["error"]["message"] == "the shelf holds no more books"


def test_unexpected_errors_are_500_without_internals(app_settings: Settings) -> None:
    app = create_app(app_settings)

    @app.get("/probe/crash")
    async def crash() -> None:
        raise RuntimeError("secret internal state")

    app.router.routes.sort(key=lambda route: getattr(route, "path", "") == "")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/probe/crash")
        assert response.status_code == 500
        assert_error_shape(response.json(), "internal_error")
        assert "secret" not in response.text
        assert client.get("/healthz").status_code == 200


def test_500_carries_the_request_id(app_settings: Settings) -> None:
    app = create_app(app_settings)

    @app.get("/probe/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    app.router.routes.sort(key=lambda route: getattr(route, "path", "") == "")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/probe/crash", headers={"X-Request-ID": "trace-0001"})
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "trace-0001"


def test_unknown_url_is_404_for_every_method(client: TestClient) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, "/api/v1/no-such-thing", json={})
        assert response.status_code == 404, method
        assert_error_shape(response.json(), "not_found")


def test_web_client_serves_no_package_metadata(client: TestClient) -> None:
    for path in ("/package.json", "/package-lock.json", "/node_modules/three/package.json"):
        assert client.get(path).status_code == 404, path


def test_oversized_bodies_are_413_before_anything_parses_them(app_settings: Settings) -> None:
    settings = app_settings.model_copy(update={"max_body_bytes": 1000})
    with TestClient(app_with_probe_routes(settings)) as client:
        big = b'{"name": "' + b"x" * 5000 + b'", "bays": 3}'
        response = client.post(
            "/probe/shelves", content=big, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert_error_shape(response.json(), "payload_too_large")

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b" " * 500

        streamed = client.post(
            "/probe/shelves", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        small = client.post("/probe/shelves", json={"name": "A", "bays": 3})
        assert small.status_code == 200
