"""Shared fixtures: real servers and tools, started per test and stopped by themselves."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from experience_server.app import create_app
from experience_server.settings import Settings
from tests.support.chromium import CHROMIUM_ARGS
from tests.support.live_server import LiveServer
from tests.support.node import Node
from tests.support.redis_server import RedisServer
from tests.support.tools import missing, require_tool


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server"), tmp_path / "redis")
    server.start()
    yield server
    server.stop()


LiveServerFactory = Callable[..., LiveServer]


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[LiveServerFactory]:
    started: list[LiveServer] = []

    def start(
        env: dict[str, str] | None = None,
        data_dir: Path | None = None,
        args: list[str] | None = None,
    ) -> LiveServer:
        server = LiveServer(data_dir or tmp_path / f"live-{len(started)}", env, args)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live_server(live_server_factory: LiveServerFactory) -> LiveServer:
    return live_server_factory()


@pytest.fixture(scope="session")
def node() -> Node:
    return Node()


@pytest.fixture(scope="session")
def gltf_validate(node: Node) -> Callable[[bytes], dict[str, Any]]:
    return node.validate_glb


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread,
    which would stop the asyncio tests of later modules from starting theirs."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
        raise
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh temporary profile (--user-data-dir).
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()
