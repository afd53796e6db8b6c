"""The server as users meet it: a real process, a real browser."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.live_server import LiveServer


def test_served_tokens_work_with_their_roles(live_server: LiveServer) -> None:
    teacher = live_server.token("t.wang", "teacher")
    response = httpx.get(
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {teacher}"}
    )
    assert response.json()["role"] == "teacher"
    denied = httpx.get(
        f"{live_server.url}/api/v1/admin/status", headers={"Authorization": f"Bearer {teacher}"}
    )
    assert denied.status_code == 403
    admin = live_server.token("root", "admin")
    allowed = httpx.get(
        f"{live_server.url}/api/v1/admin/status", headers={"Authorization": f"Bearer {admin}"}
    )
    assert allowed.status_code == 200


@pytest.mark.browser
def test_docs_page_lists_the_api_in_chromium(live_server: LiveServer, browser: Any) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/docs")
        page.get_by_text("/api/v1/admin/status", exact=True).wait_for(timeout=20_000)
        text = page.inner_text("body")
        for path in ("/healthz", "/readyz", "/api/v1/me", "/api/v1/admin/status"):
            assert path in text
    finally:
        page.close()


@pytest.mark.browser
def test_web_client_greets_the_signed_in_user(live_server: LiveServer, browser: Any) -> None:
    token = live_server.token("r.chen", "reader")
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/?token={token}")
        page.wait_for_selector("text=Signed in as", timeout=20_000)
        assert "(reader)" in page.inner_text("#who")
    finally:
        page.close()
