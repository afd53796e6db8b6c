"""The REST side of live sessions, in process: error shapes, roles and validation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from experience_server.auth.roles import Role
from experience_server.services import build_issuer
from experience_server.settings import Settings


def headers(settings: Settings, user: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {build_issuer(settings).issue(user, role)}"}


def test_session_endpoints_need_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/rooms/r1/participants")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_bad_room_id_is_a_clear_404(client: TestClient, app_settings: Settings) -> None:
    response = client.get(
        "/api/v1/rooms/Not%20a%20room/session",
        headers=headers(app_settings, "a", Role.reader),
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_such_room"


def test_only_teachers_steer_and_state_is_reported(
    client: TestClient, app_settings: Settings
) -> None:
    reader = headers(app_settings, "alice", Role.reader)
    teacher = headers(app_settings, "tess", Role.teacher)
    refused = client.patch("/api/v1/rooms/r1/session", json={"lecture": True}, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    changed = client.patch(
        "/api/v1/rooms/r1/session",
        json={"lecture": True, "access": {"min_role": "reader", "users": ["gus"]}},
        headers=teacher,
    )
    assert changed.json() == {
        "room": "r1",
        "lecture": True,
        "presenter": None,
        "access": {"min_role": "reader", "users": ["gus"]},
    }
    handed = client.post("/api/v1/rooms/r1/presenter", json={"user": "alice"}, headers=teacher)
    assert handed.json()["presenter"] == "alice"
    assert client.get("/api/v1/rooms/r1/session", headers=reader).json()["presenter"] == "alice"
    guest = headers(app_settings, "visitor", Role.guest)
    shut_out = client.get("/api/v1/rooms/r1/participants", headers=guest)
    assert shut_out.status_code == 403
    invited = client.get(
        "/api/v1/rooms/r1/participants", headers=headers(app_settings, "gus", Role.guest)
    )
    assert invited.json() == {"room": "r1", "participants": []}
    invalid = client.patch(
        "/api/v1/rooms/r1/session", json={"access": {"min_role": "king"}}, headers=teacher
    )
    assert invalid.status_code == 422


def test_annotation_import_validates_its_input(client: TestClient, app_settings: Settings) -> None:
    reader = headers(app_settings, "alice", Role.reader)
    url = "/api/v1/rooms/r1/annotations"
    not_json = client.post(url, content=b"{nope", headers=reader)
    assert not_json.status_code == 422
    assert not_json.json()["error"]["code"] == "invalid_json"
    too_big = client.post(url, content=b"[" + b"1," * 5_000_000 + b"1]", headers=reader)
    assert too_big.status_code == 413
    wrong_layer = client.post(f"{url}?layer=secret", json=[], headers=reader)
    assert wrong_layer.status_code == 422
    missing = client.get(f"{url}/nope", headers=reader)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_such_annotation"
    empty = client.get(url, headers=reader).json()
    assert empty["type"] == "AnnotationCollection"
    assert empty["total"] == 0
