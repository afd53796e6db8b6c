"""Tokens and roles: what gets in, and everything that must not."""

from __future__ import annotations

import base64
import json
import stat
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from experience_server.auth.embedded import load_or_create_secret
from experience_server.auth.roles import Role
from experience_server.services import Services
from experience_server.settings import Settings
from tests.experience_server.test_error_shape import assert_error_shape


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def token_for(client: TestClient, role: Role, **kwargs: int) -> str:
    issuer = services_of(client).issuer
    assert issuer is not None
    return issuer.issue(f"user-{role.name}", role, **kwargs)  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", list(Role))
def test_me_shows_the_token_identity_and_role(client: TestClient, role: Role) -> None:
    response = client.get("/api/v1/me", headers=bearer(token_for(client, role)))
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == f"user-{role.name}"
    assert body["role"] == role.name
    assert body["roles"][-1] == role.name and len(body["roles"]) == role.value + 1


def test_token_in_the_query_string_works_for_browsers(client: TestClient) -> None:
    token = token_for(client, Role.reader)
    assert client.get(f"/api/v1/me?token={token}").json()["role"] == "reader"


@pytest.mark.parametrize("role", [Role.guest, Role.reader, Role.teacher, Role.librarian])
def test_admin_status_refuses_lower_roles(client: TestClient, role: Role) -> None:
    response = client.get("/api/v1/admin/status", headers=bearer(token_for(client, role)))
    assert response.status_code == 403
    assert_error_shape(response.json(), "forbidden")


def test_admin_status_for_admins(client: TestClient) -> None:
    response = client.get("/api/v1/admin/status", headers=bearer(token_for(client, Role.admin)))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] and body["uptime_seconds"] >= 0
    assert "assets" in body["counts"]


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error_shape(response.json(), "unauthenticated")


def test_expired_token_is_401(client: TestClient) -> None:
    token = token_for(client, Role.admin, ttl_seconds=-5)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"].lower()


def _claims(role: str = "admin") -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "mallory",
        "role": role,
        "iss": "readingroom",
        "aud": "readingroom",
        "iat": now,
        "exp": now + 600,
    }


def test_token_signed_with_another_key_is_401(client: TestClient) -> None:
    forged = jwt.encode(_claims(), b"x" * 64, algorithm="HS256")
    response = client.get("/api/v1/admin/status", headers=bearer(forged))
    assert response.status_code == 401
    assert_error_shape(response.json(), "unauthenticated")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token_is_401(client: TestClient, alg: str) -> None:
    unsigned = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(_claims())}."
    response = client.get("/api/v1/admin/status", headers=bearer(unsigned))
    assert response.status_code == 401
    assert_error_shape(response.json(), "unauthenticated")


def test_wrong_audience_or_issuer_is_401(client: TestClient) -> None:
    secret = services_of(client).settings.secret_path.read_bytes()
    for field, value in (("aud", "another-app"), ("iss", "another-issuer")):
        claims = _claims() | {field: value}
        token = jwt.encode(claims, secret, algorithm="HS256")
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_without_expiry_is_401(client: TestClient) -> None:
    secret = services_of(client).settings.secret_path.read_bytes()
    claims = _claims()
    del claims["exp"]
    token = jwt.encode(claims, secret, algorithm="HS256")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "garbage"])
def test_malformed_authorization_header_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert_error_shape(response.json(), "unauthenticated")


def test_garbage_and_huge_tokens_are_401(client: TestClient) -> None:
    for token in ("abc", "a.b.c", "x" * 20_000):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_unknown_role_in_a_valid_token_is_401(client: TestClient) -> None:
    secret = services_of(client).settings.secret_path.read_bytes()
    token = jwt.encode(_claims(role="superuser"), secret, algorithm="HS256")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_secret_is_generated_once_with_mode_0600(app_settings: Settings) -> None:
    from experience_server.app import create_app

    with TestClient(create_app(app_settings)):
        first = app_settings.secret_path.read_bytes()
    mode = stat.S_IMODE(app_settings.secret_path.stat().st_mode)
    assert mode == 0o600
    assert len(first) >= 32
    with TestClient(create_app(app_settings)):
        assert app_settings.secret_path.read_bytes() == first


def test_concurrent_first_starts_agree_on_one_secret(tmp_path: Path) -> None:
    """`serve --workers N` starts N processes at once; all must sign with one secret."""
    target = tmp_path / "token-secret"
    with ProcessPoolExecutor(max_workers=4) as pool:
        secrets = list(pool.map(load_or_create_secret, [target] * 8))
    assert len(set(secrets)) == 1
    assert len(secrets[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["token-secret"]
