"""Fixtures for the browser client: one real server for the session with a small library in it
(a PDF made here, ingested through the API), and pages of the web client in Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.library import Library, build_library
from tests.clients.webclient import WebClient
from tests.support.live_server import LiveServer


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
    """Open the client: `web_client(token, room=..., mode=..., extra={...})`."""
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
