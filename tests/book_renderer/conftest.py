"""Fixtures for the books tests. `gltf_validate` mirrors the shared fixture announced for
tests/conftest.py (same name and signature); delete it when that lands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.book_renderer.gltf import make_validator


@pytest.fixture(scope="session")
def gltf_validate() -> Callable[[bytes], dict[str, Any]]:
    """Khronos gltf-validator (npm) over GLB bytes: the validator's JSON report."""
    return make_validator()
