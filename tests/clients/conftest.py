"""Fixtures of the viewer's tests: the stand-in for rooms and books (until they land) and
the Node reference y-websocket server (until readingroom's live sessions land)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.clients.xr_standin import StandIn, StandInServer
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
        wait_until(lambda: port_open(port), 10.0, "@y/websocket-server")
        yield f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
