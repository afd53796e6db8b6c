"""`readingroom view` as a new user runs it: off screen with a screenshot, and every bad
input (no server, a server that never answers, a bad token, a missing room or book, a GLB
that does not load, XR without a runtime) ends with one line and a non-zero status, fast."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from websockets.asyncio.client import ClientConnection, connect

from experience_server.auth.roles import Role
from experience_server.services import build_issuer
from experience_server.settings import Settings
from sync.poses.codec import MessageType, decode_snapshot, message_type
from sync.poses.control import decode_roster
from tests.clients.xr_standin import ROOM, TOKEN, StandIn, StandInServer, page_color
from tests.support.live_server import ROOT, LiveServer
from tests.support.net import free_port


def view(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "experience_server", "view", *args],
        cwd=ROOT,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    err = result.stderr.strip()
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("readingroom view: ")
    return err


@pytest.fixture
def broken_standin() -> Iterator[StandInServer]:
    standin = StandIn(
        broken_rooms={"not-glb": b"<html>oops</html>", "torn": b"glTF" + b"\x02\x00" * 40}
    )
    server = StandInServer(standin)
    server.start()
    yield server
    server.stop()


def test_xr_without_a_runtime_names_what_to_install(standin: StandInServer) -> None:
    result = view(standin.url, "--token", TOKEN, "--xr")
    assert result.returncode == 7
    message = one_line(result)
    assert "SteamVR" in message and "Monado" in message
    assert not standin.standin.requests, "no runtime: nothing to fetch"


def test_an_unreachable_server(tmp_path: Path) -> None:
    started = time.monotonic()
    result = view(
        f"http://127.0.0.1:{free_port()}",
        "--token",
        TOKEN,
        "--offscreen",
        "--screenshot",
        str(tmp_path / "x.png"),
    )
    assert result.returncode == 3
    assert "cannot reach" in one_line(result)
    assert time.monotonic() - started < 20
    assert not (tmp_path / "x.png").exists()


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = view(f"http://127.0.0.1:{port}", "--token", TOKEN, "--timeout", "1", "--offscreen")
    assert result.returncode == 3
    assert "did not answer within 1 s" in one_line(result)
    assert time.monotonic() - started < 20


def test_a_window_without_a_display(standin: StandInServer) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = view(standin.url, "--token", TOKEN, env={**env, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 8
    assert "--offscreen --screenshot" in one_line(result)
    assert not standin.standin.requests


def issue(server: LiveServer, user: str, role: str) -> str:
    """A token signed with the server's own secret (in-process: no CLI start-up to wait)."""
    issuer = build_issuer(Settings(data_dir=server.data_dir))
    return issuer.issue(user, Role.parse(role), name=user.title())


async def seen_in_the_room(observer: ClientConnection, user: str) -> None:
    """Until `user`'s pose arrives on the room's pose channel."""
    names: dict[int, str] = {}
    while True:
        message = await observer.recv()
        assert isinstance(message, bytes)
        kind = message_type(message)
        if kind == MessageType.roster:
            names = {e.slot: e.user for e in decode_roster(message).users}
        elif kind == MessageType.snapshot and any(
            names.get(slot) == user for slot in decode_snapshot(message).slots.tolist()
        ):
            return


async def gone_from_the_room(observer: ClientConnection, user: str) -> None:
    """Until a roster without `user` arrives."""
    while True:
        message = await observer.recv()
        assert isinstance(message, bytes)
        roster = message_type(message) == MessageType.roster
        if roster and user not in {e.user for e in decode_roster(message).users}:
            return


async def test_kill_ends_an_offscreen_viewer_promptly(live_server: LiveServer) -> None:
    """Killed while its frame loop runs (its first pose, sent from the loop, is seen in the
    room: a fixed sleep cannot tell on a loaded machine), the viewer leaves the room and
    ends at once with status 0."""
    librarian = {"Authorization": f"Bearer {issue(live_server, 'lib-1', 'librarian')}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=librarian, timeout=60) as http:
        templates = (await http.get("/api/v1/room-templates")).raise_for_status().json()
        room = {**templates[0]["template"], "id": "kill-test"}
        (await http.post("/api/v1/rooms", json=room)).raise_for_status()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "experience_server",
        "view",
        live_server.url,
        "--token",
        issue(live_server, "viewer-1", "reader"),
        "--room",
        "kill-test",
        "--offscreen",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    poses = f"{live_server.ws_url}/ws/rooms/kill-test/poses"
    try:
        async with connect(f"{poses}?token={issue(live_server, 'watcher', 'reader')}") as watcher:
            await asyncio.wait_for(seen_in_the_room(watcher, "viewer-1"), 90)
            process.terminate()
            started = time.monotonic()
            await asyncio.wait_for(gone_from_the_room(watcher, "viewer-1"), 30)
            _, err = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert time.monotonic() - started < 10
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err


def test_not_a_url() -> None:
    result = view("localhost:8000", "--token", TOKEN)
    assert result.returncode == 2
    assert "not a server URL" in one_line(result)


def test_a_bad_token_on_the_real_server(live_server: LiveServer) -> None:
    result = view(live_server.url, "--token", "not-a-token", "--offscreen")
    assert result.returncode == 4
    assert "refused the token" in one_line(result)


def test_a_room_that_does_not_exist_on_the_real_server(live_server: LiveServer) -> None:
    token = live_server.token("reader-1", "reader")
    result = view(live_server.url, "--token", token, "--room", "no-such-room", "--offscreen")
    assert result.returncode == 5
    assert "room" in one_line(result)


def test_a_room_that_does_not_exist_lists_the_rooms(standin: StandInServer) -> None:
    result = view(standin.url, "--token", TOKEN, "--room", "nope", "--offscreen")
    assert result.returncode == 5
    assert (
        one_line(result) == f"readingroom view: no room 'nope' on this server; rooms here: {ROOM}"
    )


def test_not_a_room_id(standin: StandInServer) -> None:
    result = view(standin.url, "--token", TOKEN, "--room", "../etc", "--offscreen")
    assert result.returncode == 2
    assert "not a room id" in one_line(result)


@pytest.mark.parametrize("room", ["not-glb", "torn"])
def test_a_glb_that_fails_to_load(broken_standin: StandInServer, room: str, tmp_path: Path) -> None:
    result = view(
        broken_standin.url,
        "--token",
        TOKEN,
        "--room",
        room,
        "--offscreen",
        "--screenshot",
        str(tmp_path / "x.png"),
    )
    assert result.returncode == 6
    assert f"the scene of room '{room}'" in one_line(result)


def test_a_book_that_does_not_exist(standin: StandInServer, tmp_path: Path) -> None:
    result = view(
        standin.url,
        "--token",
        TOKEN,
        "--offscreen",
        "--book",
        "no-such-book",
        "--screenshot",
        str(tmp_path / "x.png"),
    )
    assert result.returncode == 5
    assert "book 'no-such-book' does not exist" in one_line(result)


def test_a_screenshot_of_the_room_off_screen(standin: StandInServer, tmp_path: Path) -> None:
    shot = tmp_path / "room.png"
    result = view(
        standin.url,
        "--token",
        TOKEN,
        "--offscreen",
        "--screenshot",
        str(shot),
        "--width",
        "640",
        "--height",
        "360",
    )
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        assert image.size == (640, 360)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 20, "a blank frame"


def test_a_screenshot_of_an_open_book(standin: StandInServer, tmp_path: Path) -> None:
    shot = tmp_path / "book.png"
    result = view(
        standin.url,
        "--token",
        TOKEN,
        "--offscreen",
        "--screenshot",
        str(shot),
        "--book",
        "book-b",
        "--page",
        "4",
        "--width",
        "640",
        "--height",
        "360",
    )
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 20) or []
        found = {color for _, color in colors if isinstance(color, tuple)}
    # Pages 4 (left) and 5 (right) of the book are on screen, page 1 is not.
    for number in (4, 5):
        assert any(_near(color, page_color(number)) for color in found), (number, result.stderr)
    assert not any(_near(color, page_color(1)) for color in found), result.stderr


def _near(a: tuple[int, ...], b: tuple[int, int, int], tolerance: int = 10) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))
