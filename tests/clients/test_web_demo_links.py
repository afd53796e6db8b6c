"""`readingroom demo` prints, per role, a link that opens a room ready to use."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from experience_server.auth.roles import Role
from experience_server.cli import demo_links
from experience_server.settings import Settings

MODES = {"headset", "touch", "blackboard", "desktop"}


def test_a_link_per_role_opens_a_room_with_a_working_token(
    app_settings: Settings, client: TestClient
) -> None:
    links = demo_links(app_settings, "http://127.0.0.1:8000")
    assert [role for role, _ in links] == list(Role)
    for role, link in links:
        parts = urlsplit(link)
        assert parts.path == "/"
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        assert query["room"] and query["mode"] in MODES
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {query['token']}"})
        assert me.status_code == 200
        assert me.json()["role"] == role.name
    modes = {parse_qs(urlsplit(link).query)["mode"][0] for _, link in links}
    assert {"blackboard", "headset", "touch"} <= modes
