"""Liveness, readiness, metrics and the request log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from experience_server.app import create_app
from experience_server.auth.roles import Role
from experience_server.settings import Settings
from tests.support.net import free_port
from tests.support.redis_server import RedisServer


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database_and_assets(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["assets"] == {"ok": True}
    assert "redis" not in body["checks"]


@pytest.mark.redis
def test_readyz_follows_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    settings = Settings(data_dir=tmp_path / "data", redis_url=redis_server.url)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["checks"]["redis"] == {"ok": True}
        redis_server.stop()
        response = client.get("/readyz")
        assert response.status_code == 503
        detail = response.json()["error"]["detail"]
        assert detail["checks"]["redis"]["ok"] is False
        assert detail["checks"]["database"]["ok"] is True
        redis_server.start()
        assert client.get("/readyz").status_code == 200


def test_readyz_reports_redis_down_when_unreachable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "not_ready"
        assert client.get("/healthz").status_code == 200


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/nothing-here")
    text = client.get("/metrics").text
    assert 'readingroom_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "readingroom_http_request_duration_seconds_bucket" in text


def test_one_log_line_per_request_with_an_id_and_no_token(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    issuer = client.app.state.services.issuer  # type: ignore[attr-defined]
    token = issuer.issue("s2024001", Role.reader, name="Zhang San")
    with caplog.at_level(logging.INFO, logger="readingroom.access"):
        response = client.get(f"/api/v1/me?token={token}")
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "readingroom.access"]
    assert len(lines) == 1
    line = lines[0]
    assert response.headers["x-request-id"] in line
    assert '"route":"/api/v1/me"' in line
    for secret in (token, "s2024001", "Zhang San", "token="):
        assert secret not in line


def test_request_id_is_kept_when_given(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert response.headers["x-request-id"] == "lb-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"
