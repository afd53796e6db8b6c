"""Fixtures shared by the tests that drive official y-websocket clients against live servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.node import Node
from tests.sync.yjs_peers import YjsPeers


@pytest.fixture
def peers(node: Node) -> Iterator[YjsPeers]:
    """Official y-websocket clients in one Node process (tests/js/sync-peers.mjs), stopped
    after the test."""
    driver = YjsPeers(node.executable)
    yield driver
    driver.stop()
