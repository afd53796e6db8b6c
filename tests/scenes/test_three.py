"""The room GLBs in a real browser: three.js (the web client's renderer) loads them in
Debian's Chromium, finds the room's meaning in node names and extras, picks a spine by
triangle index, and draws a non-blank frame within the profile's draw-call budget."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scenes.compose import RoomBuild
from scenes.profiles import PROFILES
from tests.support.chromium import CHROMIUM_ARGS
from tests.support.tools import require_tool

WEB = Path(__file__).resolve().parent / "web"
VENDOR = Path(__file__).resolve().parents[2] / "clients" / "web" / "node_modules"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def site(tmp_path: Path, built_rooms: dict[str, RoomBuild]) -> Iterator[str]:
    if not (VENDOR / "three").is_dir():
        require_tool("three.js (clients/web/node_modules/three)")
    shutil.copy(WEB / "three-room.html", tmp_path / "index.html")
    (tmp_path / "vendor").symlink_to(VENDOR)
    for name, build in built_rooms.items():
        for profile, result in build.profiles.items():
            (tmp_path / f"{name}-{profile}.glb").write_bytes(result.scene)
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def _load(browser: Any, url: str) -> dict[str, Any]:
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function("window.report !== undefined", timeout=60_000)
        report: dict[str, Any] = page.evaluate("window.report")
    finally:
        page.close()
    return report


@pytest.mark.browser
@pytest.mark.parametrize("profile", ["headset", "desktop"])
def test_three_loads_the_topic_room(
    browser: Any, site: str, profile: str, built_rooms: dict[str, RoomBuild]
) -> None:
    report = _load(
        browser, f"{site}/index.html?glb=european-literature-{profile}.glb&spawn=spawn-entrance"
    )
    assert report["ok"], report.get("error")
    build = built_rooms["european-literature"]
    assert report["slots"] == len(build.layout)
    assert report["drawCalls"] <= (PROFILES[profile].max_draw_calls or 10**6)
    assert report["kinds"]["spawn"] == 2
    assert report["kinds"]["shelf_range"] == 5
    assert report["sceneExtras"]["room"] == "european-literature"
    assert report["picked"] == report["firstRecord"]
    assert report["contrast"] > 40


@pytest.mark.browser
def test_three_finds_the_blackboard_and_seats(
    browser: Any, site: str, built_rooms: dict[str, RoomBuild]
) -> None:
    report = _load(browser, f"{site}/index.html?glb=classroom-blackboard.glb&spawn=spawn-students")
    assert report["ok"], report.get("error")
    assert report["blackboard"]["kind"] == "blackboard"
    assert report["blackboard"]["width_m"] == 4.8
    template = built_rooms["classroom"].template
    assert report["kinds"]["seat"] == sum(t.seats for t in template.tables)
    assert report["contrast"] > 40
