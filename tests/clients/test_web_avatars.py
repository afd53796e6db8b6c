"""Presence between two browser pages: each lists the other in the People panel (awareness
on the shared layer) and draws the other's avatar from the pose channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.conftest import WebClientFactory
from tests.clients.library import Library
from tests.clients.webclient import WebClient
from tests.support.tools import missing

pytestmark = pytest.mark.browser


def _joined_poses(client: WebClient) -> None:
    try:
        client.wait_for("readingroom.poses.slot !== null")
    except Exception:
        if client.state("readingroom.poses.failures") > 0:
            missing("this server has no pose channel yet (/ws/rooms/{room}/poses)")
        raise


def test_each_sees_the_other_in_people_and_as_an_avatar(
    library: Library, web_client: WebClientFactory, artifacts: Path
) -> None:
    library.require_sessions()
    room = "presence-test"
    lin = web_client(library.token("r.lin", "reader"), room=room, mode="desktop").open()
    wang = web_client(library.token("t.wang", "teacher"), room=room, mode="touch").open()
    lin.tab("people")
    lin.page.wait_for_selector("#participants li[data-user='t.wang']", timeout=30_000)
    assert "teacher" in lin.page.inner_text("#participants li[data-user='t.wang']")

    for client in (lin, wang):
        _joined_poses(client)
    lin.wait_for("readingroom.poses.count >= 1")
    wang.wait_for("readingroom.poses.count >= 1")
    assert lin.state("[...readingroom.poses.avatars.values()][0].user") == "t.wang"
    lin.screenshot(artifacts / "avatars-desktop.png")
