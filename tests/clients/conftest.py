"""Fixtures of the viewer's tests: the stand-in for rooms and books (until they land)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.xr_standin import StandIn, StandInServer


@pytest.fixture
def standin() -> Iterator[StandInServer]:
    server = StandInServer(StandIn())
    server.start()
    yield server
    server.stop()
