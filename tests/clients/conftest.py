"""Fixtures of the clients' tests.

Native viewer (clients/xr): the stand-in for rooms and books and the Node reference
y-websocket server. Web client (clients/web): one real server for the session with a small
library in it (a PDF made here, ingested through the API), and pages of the web client in
Chromium.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.library import Library, build_library
from tests.clients.webclient import WebClient
from tests.clients.xr_standin import StandIn, StandInServer
from tests.support.live_server import LiveServer
from tests.support.net import free_port, port_open, wait_until
from tests.support.node import JS_DIR, Node


@pytest.fixture
def standin() -> Iterator[StandInServer]:
    server = StandInServer(StandIn())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference_server(node: Node) -> Iterator[str]:
    """`@y/websocket-server` 0.1.1 on a free port; its ws:// base URL."""
    port = free_port()
    process = subprocess.Popen(
        [node.executable, str(JS_DIR / "node_modules/@y/websocket-server/src/server.js")],
        cwd=JS_DIR,
        env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), 30.0, "@y/websocket-server")
        yield f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("web") / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def library(web_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Library:
    return build_library(web_server, tmp_path_factory.mktemp("books"))


WebClientFactory = Callable[..., WebClient]


@pytest.fixture
def web_client(browser: Any, web_server: LiveServer) -> Iterator[WebClientFactory]:
    """Open the web client: `web_client(token, room=..., mode=..., extra={...})`."""
    opened: list[WebClient] = []

    def open_client(token: str, **kwargs: Any) -> WebClient:
        client = WebClient(browser, web_server.url, token, **kwargs)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots kept for people to look at (test-artifacts/ is gitignored)."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
    path.mkdir(parents=True, exist_ok=True)
    return path
