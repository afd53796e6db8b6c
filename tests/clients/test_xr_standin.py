"""The stand-in's GLBs are valid glTF (Khronos validator), as the rooms and books builders'
are, so the viewer is tested against files a real loader accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.xr_glb import book_glb, room_glb
from tests.clients.xr_standin import BOOKS, TITLES


@pytest.mark.node
@pytest.mark.parametrize("build", [lambda: room_glb(BOOKS, TITLES), book_glb], ids=["room", "book"])
def test_stand_in_glbs_validate(
    build: Callable[[], bytes], gltf_validate: Callable[[bytes], dict[str, Any]]
) -> None:
    report = gltf_validate(build())
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"][:5]
